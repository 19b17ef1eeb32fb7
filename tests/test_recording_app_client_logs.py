"""POST /api/log/client as the app's uploader and logger send it, reading the lines back, the
bounds per line and per session, and the per-address rate limit."""

from __future__ import annotations

import pytest

from facial_backend.constants import recording_app as constants
from facial_backend.extensions import db
from facial_backend.models.client_logs import ClientLog
from tests import isolation
from tests.recording_app_client import create_session


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def operator(make_user):
    return make_user("op", "operator")[1]


def test_uploader_and_logger_lines_are_stored_and_read_back(client, operator):
    session_id = create_session(client)
    # uploader.js: no session id; logger.js: with the session and the app's timestamp
    uploader = client.post("/api/log/client", json={"level": "warn", "message": "[VideoUploader] retry 1",
                                                    "context": {"chunk": 3, "status": 503}})
    assert (uploader.status_code, uploader.json) == (200, {"status": "logged"})
    for n in range(3):
        logger = client.post("/api/log/client", json={
            "session_id": session_id, "level": "error", "message": f"camera lost {n}",
            "context": {"n": n}, "timestamp": "2026-12-06T12:00:00.000Z", "extra": "ignored"})
        assert (logger.status_code, logger.json) == (200, {"status": "logged"})
    read = client.get(f"/api/log/client/{session_id}", headers=bearer(operator))
    assert read.status_code == 200
    assert read.json["session_id"] == session_id and read.json["log_count"] == 3
    first = read.json["logs"][0]
    assert first["level"] == "ERROR" and first["message"] == "camera lost 0"
    assert first["context"] == {"n": 0} and first["client_timestamp"] == "2026-12-06T12:00:00.000Z"
    assert first["client_ip"] == "127.0.0.1" and first["timestamp"].endswith("Z")
    assert [line["message"] for line in read.json["logs"]] == ["camera lost 0", "camera lost 1", "camera lost 2"]


def test_reading_needs_an_operator_token(client, make_user):
    session_id = create_session(client)
    assert client.get(f"/api/log/client/{session_id}").status_code == 401
    _, recorder = make_user("rec", "recorder")
    refused = client.get(f"/api/log/client/{session_id}", headers=bearer(recorder))
    assert refused.status_code == 403 and refused.json["code"] == "forbidden"
    _, admin = make_user("root", "admin")
    assert client.get(f"/api/log/client/{session_id}", headers=bearer(admin)).json["log_count"] == 0
    missing = client.get("/api/log/client/no-such-session", headers=bearer(admin))
    assert missing.status_code == 404 and missing.json["code"] == "session_not_found"


@pytest.mark.parametrize("body, field", [
    ({"level": "info"}, "message"),
    ({"message": 5}, "message"),
    ({"message": "x" * (constants.CLIENT_LOG_MAX_MESSAGE_CHARS + 1)}, "message"),
    ({"message": "x", "level": "loud"}, "level"),
    ({"message": "x", "level": ["info"]}, "level"),
    ({"message": "x", "session_id": "../etc"}, "session_id"),
    ({"message": "x", "session_id": 7}, "session_id"),
    ({"message": "x", "context": {"blob": "y" * constants.CLIENT_LOG_MAX_CONTEXT_BYTES}}, "context"),
    ({"message": "x", "timestamp": "t" * 65}, "timestamp"),
    ({"message": "a\x00b"}, "message"),
])
def test_bad_lines_are_refused_by_field_and_nothing_is_stored(client, app, body, field):
    response = client.post("/api/log/client", json=body)
    assert response.status_code == 400, response.json
    assert response.json["code"] == "validation_error" and field in response.json["fields"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ClientLog)) == 0


def test_unknown_session_huge_and_non_json_bodies(client, app):
    unknown = client.post("/api/log/client", json={"message": "x", "session_id": "0b9a5c1e-0000"})
    assert unknown.status_code == 404 and unknown.json["error"] == "Session not found"
    huge = client.post("/api/log/client", data=b'{"message": "' + b"x" * (1 << 20) + b'"}',
                       content_type="application/json")
    assert huge.status_code == 413 and huge.is_json
    broken = client.post("/api/log/client", data=b"{nope", content_type="application/json")
    assert broken.status_code == 400 and broken.json["code"] == "invalid_json"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ClientLog)) == 0


def test_a_session_keeps_only_its_newest_lines(client, app, operator, monkeypatch):
    from facial_backend.services.recording_app import client_logs

    monkeypatch.setattr(client_logs, "CLIENT_LOG_MAX_PER_SESSION", 3)
    session_id = create_session(client)
    for n in range(5):
        client.post("/api/log/client", json={"session_id": session_id, "message": f"line {n}"})
        client.post("/api/log/client", json={"message": f"sessionless {n}"})
    logs = client.get(f"/api/log/client/{session_id}", headers=bearer(operator)).json["logs"]
    assert [line["message"] for line in logs] == ["line 2", "line 3", "line 4"]
    with app.app_context():
        sessionless = db.session.scalars(db.select(ClientLog.message).where(ClientLog.session_id.is_(None))
                                         .order_by(ClientLog.id)).all()
    assert sessionless == ["sessionless 2", "sessionless 3", "sessionless 4"]


def test_posting_is_rate_limited_per_client_address(app_settings):
    from facial_backend import create_app

    limited = create_app({**app_settings, "TESTING": True, "REDIS_URL": None,
                          "CLIENT_LOG_RATE_LIMIT": "3/minute"})
    client = limited.test_client()
    answers = [client.post("/api/log/client", json={"message": f"line {n}"}) for n in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1].is_json and answers[-1].json["code"] == "too_many_requests"
    assert "Retry-After" in answers[-1].headers
    other = client.post("/api/log/client", json={"message": "x"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    assert client.get("/health").status_code == 200  # other routes are not limited
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


def test_with_redis_every_process_shares_the_count(app_settings):
    redis_url = isolation.given_redis_url()
    if not redis_url:
        pytest.skip("needs TEST_REDIS_URL (a Redis db number of the tests' own)")
    import redis

    from facial_backend import create_app

    redis.Redis.from_url(redis_url).flushdb()
    settings = {**app_settings, "TESTING": True, "REDIS_URL": redis_url, "CLIENT_LOG_RATE_LIMIT": "3/minute"}
    apps = [create_app(settings), create_app(settings)]
    first, second = (app.test_client() for app in apps)
    answers = [client.post("/api/log/client", json={"message": "x"}).status_code
               for client in (first, second, first, second)]
    assert answers == [200, 200, 200, 429]
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_unreachable_redis_does_not_refuse_the_logs(app_settings):
    from facial_backend import create_app

    settings = {**app_settings, "TESTING": True, "REDIS_URL": "redis://127.0.0.1:9/0",
                "CLIENT_LOG_RATE_LIMIT": "2/minute"}
    app = create_app(settings)
    client = app.test_client()
    answers = [client.post("/api/log/client", json={"message": "x"}).status_code for _ in range(3)]
    assert answers == [200, 200, 429]  # counted by this process while Redis is away
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
