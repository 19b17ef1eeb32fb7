"""Testbed sessions through the test client (the testbed's calls plus note_count, DELETE, paging)."""

from __future__ import annotations

import re

from facial_backend.extensions import db
from facial_backend.models.sessions import StudySession
from facial_backend.models.testbed import Note, SttTask, TelemetryPoint
from tests.testbed.conftest import new_note, new_session

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_create_answers_200_with_the_origin_shape(client):
    body = new_session(client, "Thermal vac", description="Chamber B")
    assert body["id"].startswith("sess_") and len(body["id"]) >= 5 + 24
    assert body["name"] == "Thermal vac" and body["description"] == "Chamber B"
    assert body["status"] == "active" and body["ended_at"] is None
    assert ISO_Z.match(body["started_at"])
    assert body["note_count"] == 0 and body["kind"] == "testbed"


def test_create_validation(client):
    for payload, field in (({}, "name"), ({"name": 5}, "name"), ({"name": ""}, "name"),
                           ({"name": "x", "description": ["a"]}, "description")):
        response = client.post("/api/sessions", json=payload)
        assert response.status_code == 422, payload
        assert response.json["detail"][0]["loc"] == ["body", field]
        assert field in response.json["fields"]
    assert client.get("/api/sessions").json == []


def test_list_newest_first_with_note_count_and_paging(client, app):
    ids = [new_session(client, f"s{i}")["id"] for i in range(3)]
    new_note(client, ids[0])
    new_note(client, ids[0])
    with app.app_context():  # a session of another kind is not listed by default
        db.session.add(StudySession(id="rec-1", kind="recording", status="created"))
        db.session.commit()
    listed = client.get("/api/sessions").json
    assert [s["id"] for s in listed] == ids[::-1]
    assert {s["id"]: s["note_count"] for s in listed}[ids[0]] == 2
    page = client.get("/api/sessions?limit=1&offset=1").json
    assert [s["id"] for s in page] == [ids[1]]
    assert [s["id"] for s in client.get("/api/sessions?kind=recording").json] == ["rec-1"]
    assert len(client.get("/api/sessions?kind=all").json) == 4
    assert client.get("/api/sessions?limit=0").status_code == 422
    assert client.get("/api/sessions?kind=bogus").status_code == 422


def test_get_and_404(client, sid):
    assert client.get(f"/api/sessions/{sid}").json["id"] == sid
    response = client.get("/api/sessions/sess_missing")
    assert response.status_code == 404
    assert response.json["detail"] == "Session sess_missing not found"
    assert response.json["code"] == "session_not_found"


def test_patch_end_sets_ended_at_once_and_reopen_clears_it(client, sid):
    renamed = client.patch(f"/api/sessions/{sid}", json={"name": "New", "description": None}).json
    assert renamed["name"] == "New" and renamed["status"] == "active"
    ended = client.patch(f"/api/sessions/{sid}", json={"status": "ended"}).json
    assert ended["status"] == "ended" and ISO_Z.match(ended["ended_at"])
    again = client.patch(f"/api/sessions/{sid}", json={"status": "ended"}).json
    assert again["ended_at"] == ended["ended_at"]
    reopened = client.patch(f"/api/sessions/{sid}", json={"status": "active"}).json
    assert reopened["status"] == "active" and reopened["ended_at"] is None


def test_patch_validation_and_other_kinds(client, app, sid):
    response = client.patch(f"/api/sessions/{sid}", json={"status": "paused"})
    assert response.status_code == 422 and response.json["fields"] == {
        "status": ["Must be one of: active, ended."]}
    assert client.patch("/api/sessions/sess_nope", json={"name": "x"}).status_code == 404
    with app.app_context():
        db.session.add(StudySession(id="live-1", kind="live", status="active"))
        db.session.commit()
    response = client.patch("/api/sessions/live-1", json={"status": "ended"})
    assert response.status_code == 409 and response.json["code"] == "session_kind_mismatch"
    assert client.get("/api/sessions/live-1").json["kind"] == "live"


def test_delete_needs_an_operator_and_removes_everything(client, app, make_user, sid):
    new_note(client, sid)
    client.post(f"/api/sessions/{sid}/telemetry", json={"timestamp": "2025-01-26T10:00:00Z",
                                                         "channel": "v", "value": 1})
    client.post(f"/api/sessions/{sid}/stt/tasks", json={"audio_chunk_id": "c1"})
    _, client_token = make_user("tester", "client")
    _, operator_token = make_user("op", "operator")
    assert client.delete(f"/api/sessions/{sid}").status_code == 401
    forbidden = client.delete(f"/api/sessions/{sid}", headers={"Authorization": f"Bearer {client_token}"})
    assert forbidden.status_code == 403
    response = client.delete(f"/api/sessions/{sid}", headers={"Authorization": f"Bearer {operator_token}"})
    assert response.status_code == 200 and response.json == {"message": f"Session {sid} deleted"}
    assert client.get(f"/api/sessions/{sid}").status_code == 404
    with app.app_context():
        for model in (Note, TelemetryPoint, SttTask):
            assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0


def test_delete_media_removes_the_stored_audio_of_tasks(client, app, make_user, sid):
    _, token = make_user("op", "operator")
    storage = app.extensions["storage"]
    with app.app_context():
        for number in (1, 2):
            storage.put_bytes(f"testbed/{sid}/audio{number}.wav", b"RIFF", "audio/wav")
        task = SttTask(id="stt_a", session_id=sid, audio_chunk_id="a", status="pending",
                       storage_key=f"testbed/{sid}/audio1.wav")
        db.session.add(task)
        db.session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.delete(f"/api/sessions/{sid}?delete_media=true", headers=auth).status_code == 200
    assert storage.head(f"testbed/{sid}/audio1.wav") is None
    assert storage.head(f"testbed/{sid}/audio2.wav") is not None  # not a task's audio


def test_auth_required_closes_the_api(app, client, make_user):
    app.config["AUTH_REQUIRED"] = True
    assert client.post("/api/sessions", json={"name": "x"}).status_code == 401
    assert client.get("/api/sessions").status_code == 401
    _, token = make_user("eng", "operator")
    response = client.post("/api/sessions", json={"name": "x"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    bad = client.get("/api/sessions", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json["code"] == "invalid_token"
