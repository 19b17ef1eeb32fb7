"""The recording app's operational routes: /api/admin/stats, /api/data/clear-all and the
face-quality check this service answers 501 to."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from facial_backend.extensions import db
from facial_backend.models.audit import AuditEvent
from facial_backend.models.client_logs import ClientLog
from facial_backend.models.sessions import StudySession
from facial_backend.models.uploads import Video, VideoChunk
from tests.conftest import data_files
from tests.recording_app_client import MIB, create_session, post_chunk, staging_root


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(make_user):
    return make_user("root", "admin")[1]


def stored_keys(app) -> list[str]:
    storage = app.extensions["storage"]
    return sorted(info.key for root in ("facial_recordings/", "camera_tests/") for info in storage.list(root))


def test_stats_in_the_origins_shape_plus_bytes_states_and_recent_activity(client, make_user):
    older = create_session(client, participant_name="Ann")
    post_chunk(client, older, "v1", 0, 1, b"a" * MIB)
    post_chunk(client, older, "v2", 0, 1, b"b" * 1000)
    post_chunk(client, older, "v3", 0, 2, b"c" * 10)  # still receiving
    newer = create_session(client, video_type="encoder_test")
    _, operator = make_user("op", "operator")
    response = client.get("/api/admin/stats", headers=bearer(operator))
    assert response.status_code == 200
    stats = response.json
    assert stats["total_sessions"] == 2 and stats["total_videos"] == 2
    assert stats["total_bytes"] == MIB + 1000 and stats["total_size_mb"] == 1.0
    assert stats["videos_by_status"] == {"complete": 2, "receiving": 1}
    assert stats["sessions_by_video_type"] == {"recording": 1, "encoder_test": 1}
    assert [s["session_id"] for s in stats["sessions"]] == [newer, older]
    first, second = stats["sessions"]
    assert (first["status"], first["video_count"], first["total_size_mb"]) == ("in_progress", 0, 0.0)
    assert (second["status"], second["video_count"], second["participant_name"]) == ("complete", 2, "Ann")
    assert second["created_at"].endswith("Z") and second["last_activity_at"].endswith("Z")
    recent = stats["recent"]
    assert recent["sessions_created"] == 2 and recent["videos_completed"] == 2
    assert recent["bytes_completed"] == MIB + 1000 and recent["last_upload_at"].endswith("Z")
    paged = client.get("/api/admin/stats?limit=1&offset=1", headers=bearer(operator)).json
    assert [s["session_id"] for s in paged["sessions"]] == [older] and paged["total_sessions"] == 2


def test_stats_need_an_operator_and_valid_paging(client, make_user):
    assert client.get("/api/admin/stats").status_code == 401
    _, recorder = make_user("rec", "recorder")
    assert client.get("/api/admin/stats", headers=bearer(recorder)).status_code == 403
    _, operator = make_user("op", "operator")
    for query, field in (("limit=0", "limit"), ("limit=x", "limit"), ("offset=-1", "offset")):
        response = client.get(f"/api/admin/stats?{query}", headers=bearer(operator))
        assert response.status_code == 400 and field in response.json["fields"]


def test_clear_all_needs_an_admin_and_the_confirmation(client, app, make_user, admin):
    session_id = create_session(client)
    post_chunk(client, session_id, "v", 0, 1, b"video")
    before = data_files(Path(app.config["DATA_DIR"]))
    anonymous = client.post("/api/data/clear-all", json={"confirm": "clear-all"})
    assert anonymous.status_code == 401 and anonymous.is_json
    _, operator = make_user("op", "operator")
    refused = client.post("/api/data/clear-all", json={"confirm": "clear-all"}, headers=bearer(operator))
    assert refused.status_code == 403 and "admin" in refused.json["error"]
    for kwargs, reason in (({}, "Missing"), ({"json": {}}, "Missing"), ({"json": {"confirm": "yes"}}, "clear-all"),
                           ({"json": {"confirm": True}}, "string")):
        response = client.post("/api/data/clear-all", headers=bearer(admin), **kwargs)
        assert response.status_code == 400, (kwargs, response.json)
        assert "confirm" in response.json["fields"] and reason in response.json["fields"]["confirm"][0]
    assert data_files(Path(app.config["DATA_DIR"])) == before
    assert client.get(f"/api/session/{session_id}").status_code == 200


def test_clear_all_removes_rows_and_files_together_and_is_audited(client, app, admin):
    done = create_session(client)
    post_chunk(client, done, "v", 0, 1, b"complete video")
    client.post("/api/upload/metadata", json={"session_id": done, "video_id": "v", "prompt_id": "smile"})
    partial = create_session(client, video_type="encoder_test")
    post_chunk(client, partial, "w", 1, 3, b"pending chunk")
    client.post("/api/log/client", json={"session_id": done, "message": "hello"})
    client.post("/api/log/client", json={"message": "before a session"})
    storage = app.extensions["storage"]
    storage.put_bytes("facial_recordings/0ld-origin-session/video_1.webm", b"from the origin")
    storage.put_bytes("recordings/kept/other.m4a", b"an iPhone recording")
    assert stored_keys(app) and any(staging_root(app).iterdir())

    response = client.post("/api/data/clear-all", json={"confirm": "clear-all"}, headers=bearer(admin))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "success"
    assert response.json["deleted"]["recordings"] == 1 and response.json["deleted"]["camera_tests"] == 1
    assert response.json["deleted"]["files"] >= 4
    assert stored_keys(app) == []
    assert not any(staging_root(app).iterdir())
    assert storage.read_bytes("recordings/kept/other.m4a") == b"an iPhone recording"
    with app.app_context():
        for model in (StudySession, Video, VideoChunk, ClientLog):
            assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="delete")).one()
        assert event.actor_username == "root" and event.target_kind == "recording_app_data"
        assert event.details["recordings"] == 1
    assert client.get(f"/api/session/{done}").status_code == 404
    again = post_chunk(client, done, "v", 0, 1, b"complete video")
    assert again.status_code == 404 and stored_keys(app) == []


def test_clear_all_logs_the_admins_name(client, admin, caplog):
    create_session(client)
    with caplog.at_level("WARNING", logger="blueprints.recording_app.operations"):
        client.post("/api/data/clear-all", json={"confirm": "clear-all"}, headers=bearer(admin))
    assert any("root" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("kwargs", [
    {"json": {"image": "data:image/jpeg;base64,/9j/4AAQ"}}, {"json": {}}, {"data": b"not json"},
    {"json": {"image": 5}},
])
def test_quality_check_is_a_stable_501(client, kwargs):
    response = client.post("/api/quality/check", **kwargs)
    assert response.status_code == 501 and response.is_json
    assert response.json["code"] == "quality_check_unavailable" and "quality" in response.json["error"]


def test_clear_all_during_uploads_leaves_no_half_deleted_session(app, admin):
    """Uploads into sessions that clear-all removes meanwhile end as 200 or 404, never 500,
    and afterwards every stored file and video row belongs to a session that exists."""
    client = app.test_client()
    sessions = [create_session(client) for _ in range(3)]

    def upload(session_id):
        statuses = []
        for n in range(12):
            statuses.append(post_chunk(app.test_client(), session_id, f"v{n}", 0, 1, b"x" * 2000).status_code)
            statuses.append(app.test_client().post("/api/upload/metadata", json={
                "session_id": session_id, "video_id": f"m{n}"}).status_code)
        return statuses

    def clear():
        return app.test_client().post("/api/data/clear-all", json={"confirm": "clear-all"},
                                      headers=bearer(admin)).status_code

    with ThreadPoolExecutor(4) as pool:
        uploads = [pool.submit(upload, session_id) for session_id in sessions]
        cleared = pool.submit(clear)
        statuses = [status for future in uploads for status in future.result()]
    assert cleared.result() == 200
    assert set(statuses) <= {200, 404}, statuses
    with app.app_context():
        known = set(db.session.scalars(db.select(StudySession.id)))
        orphans = db.session.scalars(db.select(Video.session_id).where(Video.session_id.not_in(known))).all()
        assert orphans == []
    assert {key.split("/")[1] for key in stored_keys(app)} <= known
