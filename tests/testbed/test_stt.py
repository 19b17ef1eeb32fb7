"""Speech-to-text tasks through the test client (the testbed's calls plus the state machine)."""

from __future__ import annotations

import pytest

from facial_backend.extensions import db
from facial_backend.models.live import LiveSegment
from facial_backend.models.testbed import SttTask


def url(sid: str, rest: str = "") -> str:
    return f"/api/sessions/{sid}/stt/tasks{rest}"


def new_task(client, sid: str, **fields) -> dict:
    response = client.post(url(sid), json={"audio_chunk_id": "chunk_001", **fields})
    assert response.status_code == 201, response.json
    return response.json


def put(client, sid, task_id, **body):
    return client.put(url(sid, f"/{task_id}"), json=body)


def test_create_list_get(client, sid):
    first = new_task(client, sid, duration_seconds=8.4)
    assert first["id"].startswith("stt_") and len(first["id"]) == 4 + 24
    assert first["status"] == "pending" and first["duration_seconds"] == 8.4
    assert first["transcript"] is None and first["error"] is None
    assert first["created_at"].endswith("Z")
    second = new_task(client, sid)  # a duplicate audio_chunk_id is allowed
    assert [t["id"] for t in client.get(url(sid)).json] == [second["id"], first["id"]]
    assert client.get(url(sid, f"/{first['id']}")).json == first
    missing = client.get(url(sid, "/stt_none"))
    assert missing.status_code == 404 and missing.json["detail"] == "STT task stt_none not found"
    assert client.get(url("sess_none")).status_code == 404


@pytest.mark.parametrize("payload,field", [
    ({}, "audio_chunk_id"), ({"audio_chunk_id": 3}, "audio_chunk_id"),
    ({"audio_chunk_id": "c", "duration_seconds": "8"}, "duration_seconds"),
    ({"audio_chunk_id": "c", "duration_seconds": -1}, "duration_seconds"),
    ({"audio_chunk_id": "c", "segment_id": "../x"}, "segment_id"),
])
def test_create_validation(client, app, sid, payload, field):
    response = client.post(url(sid), json=payload)
    assert response.status_code == 422 and field in response.json["fields"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SttTask)) == 0


def test_the_origin_ai_module_flow_still_works(client, sid):
    task = new_task(client, sid)
    done = put(client, sid, task["id"], status="done", transcript="Motor current rising")
    assert done.status_code == 200
    assert done.json["status"] == "done" and done.json["transcript"] == "Motor current rising"
    assert done.json["updated_at"] >= task["updated_at"]
    again = put(client, sid, task["id"], status="done", transcript="Motor current rising")
    assert again.status_code == 200 and again.json == done.json  # a retried PUT is harmless
    other = new_task(client, sid)
    failed = put(client, sid, other["id"], status="failed", error="Whisper timeout")
    assert failed.json["status"] == "failed" and failed.json["error"] == "Whisper timeout"


def test_state_machine(client, sid):
    task = new_task(client, sid)
    tid = task["id"]
    assert put(client, sid, tid, status="processing").json["status"] == "processing"
    refused = put(client, sid, tid, status="pending")
    assert refused.status_code == 409 and refused.json["code"] == "invalid_transition"
    assert "processing to pending" in refused.json["detail"]
    assert put(client, sid, tid, status="failed", error="boom").json["error"] == "boom"
    retried = put(client, sid, tid, status="pending").json
    assert retried["status"] == "pending" and retried["error"] is None
    put(client, sid, tid, status="processing")
    done = put(client, sid, tid, status="done", transcript="hello").json
    for status in ("pending", "processing", "failed"):
        assert put(client, sid, tid, status=status).status_code == 409
    assert put(client, sid, tid, status="done", transcript="other").status_code == 409
    assert client.get(url(sid, f"/{tid}")).json == done


def test_update_validation_keeps_fields(client, sid):
    tid = new_task(client, sid)["id"]
    unknown = put(client, sid, tid, status="finished")
    assert unknown.status_code == 422 and "status" in unknown.json["fields"]
    assert put(client, sid, tid).status_code == 422
    assert put(client, sid, tid, status="processing", transcript="partial").json["transcript"] == "partial"
    assert put(client, sid, tid, status="done").json["transcript"] == "partial"  # not wiped
    assert put(client, sid, "stt_none", status="done").status_code == 404


def test_audio_references(client, app, make_user, sid):
    with app.app_context():
        db.session.add(LiveSegment(id="seg_1", session_id=sid, evaluator_id="e", client_id="c",
                                   image_index=0))
        db.session.add(LiveSegment(id="seg_2", session_id="elsewhere", evaluator_id="e",
                                   client_id="c", image_index=0))
        db.session.commit()
    assert new_task(client, sid, segment_id="seg_1")["segment_id"] == "seg_1"
    foreign = client.post(url(sid), json={"audio_chunk_id": "c", "segment_id": "seg_2"})
    assert foreign.status_code == 404 and foreign.json["code"] == "segment_not_found"
    anonymous = client.post(url(sid), json={"audio_chunk_id": "c", "recording_id": "rec_1"})
    assert anonymous.status_code == 404 and anonymous.json["code"] == "recording_not_found"


def test_tasks_are_accepted_on_an_ended_session(client, sid):
    tid = new_task(client, sid)["id"]
    client.patch(f"/api/sessions/{sid}", json={"status": "ended"})
    assert new_task(client, sid)["status"] == "pending"
    assert put(client, sid, tid, status="done", transcript="last words").status_code == 200
