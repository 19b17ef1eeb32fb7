"""Every download and deletion through the API (and the CLI's purge) leaves one access-audit
record naming who, what and from which address; a refused request leaves none."""

from __future__ import annotations

import base64
from datetime import timedelta

from facial_backend.extensions import db
from facial_backend.models.recordings import Recording
from facial_backend.schemas.audit import AuditEventSchema
from facial_backend.schemas.recording_app_operations import CLEAR_ALL_CONFIRMATION
from facial_backend.services.shared import audit
from facial_backend.timeutil import utcnow
from tests.recording_app_client import create_session, post_chunk
from tests.recordings.conftest import bearer, uploaded_recording
from tests.testbed.conftest import new_note
from tests.testbed.conftest import new_session as new_testbed_session
from tests.tus.tus_client import TUS, create, patch, video_metadata

ADDRESS = "198.51.100.23"
FROM = {"environ_base": {"REMOTE_ADDR": ADDRESS}}


def _events(app) -> list[dict]:
    with app.app_context():
        return [AuditEventSchema().dump(event) for event in audit.list_events()]


def _only_event(app) -> dict:
    [event] = _events(app)
    return event


def _assert_event(event: dict, action: str, username: str | None, target_kind: str, target_id: str,
                  session_id: str | None, address: str | None = ADDRESS, channel: str = "api") -> None:
    assert (event["action"], event["channel"], event["actor_username"], event["remote_addr"]) == \
        (action, channel, username, address)
    assert (event["target_kind"], event["target_id"], event["session_id"]) == \
        (target_kind, target_id, session_id)


def test_a_video_download_is_recorded(client, app, make_user):
    session_id = create_session(client)
    assert post_chunk(client, session_id, "v1", 0, 1, b"video bytes").status_code == 200
    _, token = make_user("ops", "operator")
    url = f"/api/session/{session_id}/videos/v1"
    assert client.get(f"/api/session/{session_id}/videos/nope", headers=bearer(token), **FROM).status_code == 404
    assert _events(app) == []
    with client.get(url, headers=bearer(token), **FROM) as response:
        assert response.status_code in (200, 302)
    _assert_event(_only_event(app), "download", "ops", "video", "v1", session_id)


def test_a_segment_audio_download_is_recorded(client, app, make_user):
    _, token = make_user("eva", "evaluator")
    audio = b"\x00\x00\x00\x20ftypM4A " + bytes(500)
    segment_id = client.post("/api/session/segment", headers=bearer(token), json={
        "sessionId": "live_s1", "evaluatorId": "eva", "clientId": "c1", "imageIndex": 0,
        "audioBase64": base64.b64encode(audio).decode()}).json["segmentId"]
    with client.get(f"/api/session/segments/{segment_id}/audio", headers=bearer(token), **FROM) as response:
        assert response.status_code in (200, 302)
    _assert_event(_only_event(app), "download", "eva", "segment", segment_id, "live_s1")


def test_a_recording_download_link_and_deletion_are_recorded(client, app, make_user):
    _, token = make_user("alice", "recorder")
    recording_id = uploaded_recording(client, token)
    link = client.get(f"/api/v1/recordings/{recording_id}/download-url", headers=bearer(token), **FROM)
    assert link.status_code == 200
    _assert_event(_only_event(app), "download", "alice", "recording", recording_id, None)
    assert client.delete(f"/api/v1/recordings/{recording_id}", headers=bearer(token), **FROM).status_code == 200
    assert client.delete(f"/api/v1/recordings/{recording_id}", headers=bearer(token), **FROM).status_code == 400
    deleted, _downloaded = _events(app)
    _assert_event(deleted, "delete", "alice", "recording", recording_id, None)


def test_a_testbed_session_deletion_is_recorded(client, app, make_user):
    session_id = new_testbed_session(client)["id"]
    _, token = make_user("ops", "operator")
    response = client.delete(f"/api/sessions/{session_id}", headers=bearer(token), **FROM)
    assert response.status_code == 200
    event = _only_event(app)
    _assert_event(event, "delete", "ops", "session", session_id, session_id)
    assert event["details"] == {"delete_media": False}


def test_a_note_deletion_is_recorded(client, app, make_user):
    session_id = new_testbed_session(client)["id"]
    note_id = new_note(client, session_id)["id"]
    _, token = make_user("ops", "operator")
    url = f"/api/sessions/{session_id}/notes/{note_id}"
    assert client.delete(url, headers=bearer(token), **FROM).status_code == 200
    assert client.delete(url, headers=bearer(token), **FROM).status_code == 404
    _assert_event(_only_event(app), "delete", "ops", "note", note_id, session_id)


def test_the_purge_of_a_recording_file_is_recorded(client, app, runner, make_user):
    _, token = make_user("alice", "recorder")
    recording_id = uploaded_recording(client, token)
    assert client.delete(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).status_code == 200
    with app.app_context():
        db.session.get(Recording, recording_id).deleted_at = utcnow() - timedelta(days=2)
        db.session.commit()
    assert runner.invoke(args=["recordings", "purge", "--older-than", "1", "--dry-run"]).exit_code == 0
    assert len(_events(app)) == 1  # only the API's deletion
    result = runner.invoke(args=["recordings", "purge", "--older-than", "1"])
    assert result.exit_code == 0, result.output
    purged, _deleted = _events(app)
    _assert_event(purged, "delete", None, "recording", recording_id, None, address=None, channel="cli")


def test_a_tus_termination_is_recorded(client, app):
    session_id = create_session(client)
    location = create(client, 100, video_metadata(session_id, "dropped")).headers["Location"]
    assert patch(client, location, 0, b"x" * 40).status_code == 204
    assert client.delete(location, headers=TUS, **FROM).status_code == 204
    assert client.delete(location, headers=TUS, **FROM).status_code == 404
    event = _only_event(app)
    _assert_event(event, "delete", None, "upload", location.rsplit("/", 1)[-1], session_id)
    assert event["details"] == {"destination": "video", "video_id": "dropped", "recording_id": None}


def test_clear_all_is_recorded(client, app, make_user):
    create_session(client)
    _, token = make_user("boss", "admin")
    response = client.post("/api/data/clear-all", headers=bearer(token), **FROM,
                           json={"confirm": CLEAR_ALL_CONFIRMATION})
    assert response.status_code == 200
    _assert_event(_only_event(app), "delete", "boss", "recording_app_data", None, None)
