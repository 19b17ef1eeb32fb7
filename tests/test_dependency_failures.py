"""A database that cannot be reached, a connection the server killed and a full disk are answered
with JSON the client can act on (503 / 507 with the request id), never a 500 or an HTML page."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess

import pytest
import requests
from sqlalchemy import create_engine, text

from facial_backend import create_app
from facial_backend.extensions import db
from tests.recording_app_client import MIB, create_session, post_chunk


@contextlib.contextmanager
def _closed_at_end(app):
    """The app's pooled database connections are closed when the test ends."""
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _closed_port() -> int:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_unreachable_database_answers_503_json(app_settings):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nothing"
    app = create_app({**app_settings, "DATABASE_URL": url, "REDIS_URL": None})
    with _closed_at_end(app):
        _answers_503(app)


def _answers_503(app) -> None:
    response = app.test_client().get("/api/sessions")
    assert response.status_code == 503
    assert response.json["code"] == "database_unavailable"
    assert response.headers["Retry-After"] == "5"
    assert response.json["request_id"]
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["database"].startswith("error")


SERVER_CONNECTIONS = "kill-test-server"  # the application_name of the server's connections only


def _terminate_server_connections(url: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        killed = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = :name"),
            {"name": SERVER_CONNECTIONS}).scalar()
    engine.dispose()
    return killed


def test_killed_database_connections_are_replaced_without_errors(live_server_factory, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgresql://...) to kill server-side connections")
    live_server = live_server_factory({"PGAPPNAME": SERVER_CONNECTIONS})
    for _ in range(3):
        assert requests.get(live_server.base_url + "/api/sessions", timeout=10).status_code == 200
    assert _terminate_server_connections(database_url) >= 1
    answers = [requests.get(live_server.base_url + "/api/sessions", timeout=10) for _ in range(20)]
    assert {answer.status_code for answer in answers} == {200}
    assert all(answer.headers["Content-Type"].startswith("application/json") for answer in answers)


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB tmpfs as the data folder (root only; skipped where mounting is not allowed)."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


def test_full_disk_answers_507_and_keeps_acknowledged_chunks(app_settings, small_disk):
    app = create_app({**app_settings, "DATA_DIR": str(small_disk), "REDIS_URL": None,
                      "STORAGE_BACKEND": "local", "MIN_FREE_DISK": "1MiB"})
    with _closed_at_end(app):
        _fill_the_disk(app)


def _fill_the_disk(app) -> None:
    client = app.test_client()
    session_id = create_session(client)
    answers = []
    for index in range(6):
        response = post_chunk(client, session_id, "v1", index, 6, os.urandom(MIB))
        answers.append(response)
        if response.status_code != 200:
            break
    refused = answers[-1]
    assert refused.status_code == 507, refused.get_data(as_text=True)
    assert refused.json["code"] == "insufficient_storage"
    assert refused.json["request_id"]
    acknowledged = len(answers) - 1
    assert acknowledged >= 1
    status = client.get(f"/api/upload/status?session_id={session_id}&video_id=v1").json
    assert status["received"] == list(range(acknowledged))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["disk"].startswith("error")
