"""An S3 store that hangs or refuses connections: calls fail within the configured bounds and the
client gets a JSON 503 ``storage_unavailable`` it can retry, never a 500 or a hung request."""

from __future__ import annotations

import socket
import time

import pytest

from facial_backend import create_app
from facial_backend.auth import issue_token
from facial_backend.extensions import db
from facial_backend.services.shared.users import create_user
from tests.conftest import _empty_tables
from tests.recordings.conftest import bearer, initiate

BOUND_SECONDS = 10  # far above the configured 0.5 s x 1 attempt, far below an unbounded hang


@pytest.fixture
def hung_endpoint():
    """A listener whose backlog takes connections that nobody ever answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.fixture
def refused_endpoint():
    """A loopback port with no listener: connections are refused at once."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"


def _app_on(endpoint: str, app_settings, aws_credentials):
    settings = {**app_settings, "STORAGE_BACKEND": "s3", "S3_BUCKET": "unreachable",
                "S3_ENDPOINT_URL": endpoint, "S3_CREATE_BUCKET": "false",
                "S3_CONNECT_TIMEOUT": "0.5s", "S3_READ_TIMEOUT": "0.5s", "S3_MAX_ATTEMPTS": "1"}
    return create_app({**settings, "TESTING": True, "REDIS_URL": None})


@pytest.mark.parametrize("endpoint_fixture", ["hung_endpoint", "refused_endpoint"])
def test_completion_answers_503_when_s3_is_unreachable(request, endpoint_fixture, app_settings,
                                                       aws_credentials):
    app = _app_on(request.getfixturevalue(endpoint_fixture), app_settings, aws_credentials)
    try:
        with app.app_context(), app.test_request_context():
            token = issue_token(create_user("phone", "secret-pass", "recorder"))
        client = app.test_client()
        started = initiate(client, token)
        assert started.status_code == 200, started.json  # presigning needs no network
        recording_id = started.json["recording_id"]

        began = time.monotonic()
        done = client.post(f"/api/v1/recordings/upload/complete/{recording_id}", json={},
                           headers=bearer(token))
        assert time.monotonic() - began < BOUND_SECONDS
        assert done.status_code == 503, done.get_data(as_text=True)
        assert done.json["code"] == "storage_unavailable"
        assert done.headers["Retry-After"] == "5"
        assert "request_id" in done.json

        again = client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token))
        assert again.status_code == 200
        assert again.json["status"] == "uploading"  # as before the call: a retry can still complete it
    finally:
        with app.app_context():
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


def test_s3_limits_are_validated_at_start(app_settings):
    from facial_backend.config import ConfigError
    with pytest.raises(ConfigError, match="S3_READ_TIMEOUT"):
        create_app({**app_settings, "S3_READ_TIMEOUT": "soon", "REDIS_URL": None})
