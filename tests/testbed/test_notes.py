"""Notes through the test client (the testbed's v0.2 and v0.3 calls and the fixes)."""

from __future__ import annotations

import json

import pytest

from facial_backend.extensions import db
from facial_backend.models.testbed import Note
from tests.testbed.conftest import new_note


def notes_url(sid: str, rest: str = "") -> str:
    return f"/api/sessions/{sid}/notes{rest}"


def count_notes(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Note))


def test_create_has_the_origin_shape(client, sid):
    note = new_note(client, sid, speaker="Engineer A", tags=["motor"],
                    telemetry_snapshot={"battery_voltage": 32.5})
    assert note["id"].startswith("note_") and len(note["id"]) == 5 + 24
    assert note["session_id"] == sid and note["type"] == "observation"
    assert note["timestamp"] == "2025-01-26T10:32:15Z"
    assert note["tags"] == ["motor"] and note["telemetry_snapshot"] == {"battery_voltage": 32.5}
    assert note["created_at"].endswith("Z") and note["updated_at"] == note["created_at"]
    assert client.get(notes_url(sid, f"/{note['id']}")).json == note
    assert client.get(f"/api/sessions/{sid}").json["note_count"] == 1


@pytest.mark.parametrize("note_type", ["observation", "command", "system", "detail", "anomaly", "summary"])
def test_both_type_sets_are_accepted(client, sid, note_type):
    assert new_note(client, sid, type=note_type)["type"] == note_type


def test_timestamps_naive_is_utc_and_offsets_are_converted(client, sid):
    assert new_note(client, sid, timestamp="2025-01-26T10:32:15")["timestamp"] == "2025-01-26T10:32:15Z"
    assert new_note(client, sid, timestamp="2025-01-26T12:32:15.5+02:00")["timestamp"] == \
        "2025-01-26T10:32:15.500000Z"


@pytest.mark.parametrize("payload,field", [
    ({"content": "x"}, "timestamp"),
    ({"timestamp": "yesterday", "content": "x"}, "timestamp"),
    ({"timestamp": 1737887535, "content": "x"}, "timestamp"),
    ({"timestamp": "2025-01-26T10:32:15Z"}, "content"),
    ({"timestamp": "2025-01-26T10:32:15Z", "content": 5}, "content"),
    ({"timestamp": "2025-01-26T10:32:15Z", "content": "x", "type": "rumour"}, "type"),
    ({"timestamp": "2025-01-26T10:32:15Z", "content": "x", "tags": "motor"}, "tags"),
    ({"timestamp": "2025-01-26T10:32:15Z", "content": "x", "telemetry_snapshot": [1]}, "telemetry_snapshot"),
])
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(client, app, sid, payload, field):
    response = client.post(notes_url(sid), json=payload)
    assert response.status_code == 422
    assert field in response.json["fields"]
    assert response.json["detail"][0]["loc"][:2] == ["body", field]
    assert count_notes(app) == 0


def test_bodies_that_are_not_json_objects(client, app, sid):
    assert client.post(notes_url(sid), data="{", content_type="application/json").status_code == 400
    assert client.post(notes_url(sid), json=[1]).status_code == 400
    assert count_notes(app) == 0


def test_a_10_mb_note_is_a_json_413(client, app, sid):
    response = client.post(notes_url(sid), json={"timestamp": "2025-01-26T10:32:15Z",
                                                 "content": "x" * (10 * 1024 * 1024)})
    assert response.status_code == 413
    assert response.json["code"] == "payload_too_large"
    assert count_notes(app) == 0


def test_unknown_session_and_note(client, sid):
    missing = client.post(notes_url("sess_none"), json={"timestamp": "2025-01-26T10:32:15Z",
                                                        "content": "x"})
    assert missing.status_code == 404 and missing.json["detail"] == "Session sess_none not found"
    response = client.get(notes_url(sid, "/note_zzz"))
    assert response.status_code == 404
    assert response.json["detail"] == f"Note note_zzz not found in session {sid}"
    other = client.post("/api/sessions", json={"name": "other"}).json["id"]
    foreign = new_note(client, other)
    assert client.get(notes_url(sid, f"/{foreign['id']}")).status_code == 404
    assert client.delete(notes_url(sid, f"/{foreign['id']}")).status_code == 404


def test_list_filters_and_stable_order(client, sid):
    a = new_note(client, sid, timestamp="2025-01-26T10:00:02Z", speaker="A", content="a")
    b = new_note(client, sid, timestamp="2025-01-26T10:00:01Z", speaker="B", type="command", content="b")
    c = new_note(client, sid, timestamp="2025-01-26T10:00:02Z", speaker="A", content="c")
    d = new_note(client, sid, timestamp="2025-01-26T10:00:03Z", speaker="B", content="d")

    def ids(query=""):
        response = client.get(notes_url(sid, query))
        assert response.status_code == 200, response.json
        return [n["id"] for n in response.json]

    assert ids() == [b["id"], a["id"], c["id"], d["id"]]
    assert ids("?speaker=A") == [a["id"], c["id"]]
    assert ids("?type=command") == [b["id"]]
    assert ids("?from=2025-01-26T10:00:02Z&to=2025-01-26T10:00:02") == [a["id"], c["id"]]
    assert ids("?from=2025-01-26T11:00:02%2B01:00") == [a["id"], c["id"], d["id"]]
    assert client.get(notes_url(sid, "?type=rumour")).status_code == 422
    bad = client.get(notes_url(sid, "?from=not-a-date"))
    assert bad.status_code == 422 and bad.json["detail"][0]["loc"] == ["query", "from"]


def test_put_replaces_given_fields_only(client, sid):
    note = new_note(client, sid, speaker="A", tags=["x"])
    response = client.put(notes_url(sid, f"/{note['id']}"), json={"content": "fixed", "speaker": None})
    assert response.status_code == 200
    updated = response.json
    assert updated["content"] == "fixed" and updated["speaker"] == "A" and updated["tags"] == ["x"]
    assert updated["updated_at"] >= note["updated_at"] and updated["created_at"] == note["created_at"]
    assert client.put(notes_url(sid, f"/{note['id']}"), json={"type": "rumour"}).status_code == 422
    assert client.put(notes_url(sid, "/note_none"), json={"content": "x"}).status_code == 404


def test_patch_appends_a_timestamped_line(client, sid):
    note = new_note(client, sid, content="Pump on")
    response = client.patch(notes_url(sid, f"/{note['id']}"), json={
        "append_content": "pressure stable", "timestamp": "2025-01-26T10:40:05Z",
        "telemetry_snapshot": {"p": 1.5}})
    assert response.status_code == 200
    assert response.json["content"] == "Pump on\n[10:40:05] pressure stable"
    assert response.json["telemetry_snapshot"] == {"p": 1.5}
    assert client.patch(notes_url(sid, f"/{note['id']}"), json={}).status_code == 422


def test_delete(client, sid):
    note = new_note(client, sid)
    response = client.delete(notes_url(sid, f"/{note['id']}"))
    assert response.status_code == 200 and response.json == {"message": f"Note {note['id']} deleted"}
    assert client.get(notes_url(sid, f"/{note['id']}")).status_code == 404


def test_ended_session_refuses_notes_unless_allow_ended(client, app, sid):
    note = new_note(client, sid)
    client.patch(f"/api/sessions/{sid}", json={"status": "ended"})
    body = {"timestamp": "2025-01-26T10:32:15Z", "content": "late"}
    refused = client.post(notes_url(sid), json=body)
    assert refused.status_code == 409 and refused.json["code"] == "session_ended"
    assert "ended" in refused.json["detail"] and "allow_ended=true" in refused.json["detail"]
    assert client.put(notes_url(sid, f"/{note['id']}"), json={"content": "x"}).status_code == 409
    assert client.delete(notes_url(sid, f"/{note['id']}")).status_code == 409
    assert count_notes(app) == 1
    assert client.post(notes_url(sid), json={**body, "allow_ended": True}).status_code == 200
    assert client.post(notes_url(sid, "?allow_ended=true"), json=body).status_code == 200
    fixed = client.put(notes_url(sid, f"/{note['id']}"), json={"content": "fixed", "allow_ended": True})
    assert fixed.status_code == 200 and fixed.json["content"] == "fixed"
    assert client.delete(notes_url(sid, f"/{note['id']}?allow_ended=true")).status_code == 200


def test_export_json(client, sid):
    new_note(client, sid, timestamp="2025-01-26T10:00:02Z", content="second")
    new_note(client, sid, timestamp="2025-01-26T10:00:01Z", content="first")
    response = client.get(notes_url(sid, "/export?format=json"))
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.text.startswith('{\n  "session_id"')
    document = json.loads(response.text)
    assert document["session_id"] == sid and document["session_name"] == "Run 1"
    assert document["exported_at"].endswith("Z")
    assert [n["content"] for n in document["notes"]] == ["first", "second"]
    assert document["notes"][0]["timestamp"] == "2025-01-26T10:00:01Z"


def test_export_markdown(client, sid):
    new_note(client, sid, timestamp="2025-01-26T10:32:15Z", speaker="Engineer A", content="Motor on",
             tags=["motor", "current"], telemetry_snapshot={"battery_voltage": 32.5, "ok": True})
    new_note(client, sid, timestamp="2025-01-26T10:33:00Z", content="Quiet")
    started = client.get(f"/api/sessions/{sid}").json["started_at"]
    for query in ("", "?format=markdown", "?format=pdf"):
        response = client.get(notes_url(sid, f"/export{query}"))
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.text.split("\n") == [
        "# Run 1", "", f"**Session ID:** {sid}", f"**Started:** {started}", "**Status:** active", "",
        "---", "", "## Notes", "",
        "### [10:32:15] Engineer A", "", "Motor on", "",
        '**Telemetry:** {"battery_voltage": 32.5, "ok": true}', "", "*Tags: motor, current*", "",
        "---", "",
        "### [10:33:00] Unknown", "", "Quiet", "", "---", ""]
    client.patch(f"/api/sessions/{sid}", json={"status": "ended"})
    text = client.get(notes_url(sid, "/export")).text
    assert "**Status:** ended" in text and "**Ended:** " in text
    assert client.get(notes_url("sess_none", "/export")).status_code == 404
