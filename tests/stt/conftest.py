"""STT test fixtures: the stub endpoint, a job-creating helper, real worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from facial_backend.extensions import db, get_storage
from facial_backend.stt import jobs as stt_jobs
from facial_backend.stt.sources import FILE_KIND
from tests.stt.http_stub import StubServer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def stub():
    server = StubServer()
    server.thread.start()
    yield server
    server.release()
    server.shutdown()
    server.server_close()


@pytest.fixture
def stt_app(app):
    """The test app with the fake engine."""
    app.config.update(STT_ENGINE="fake", STT_MAX_ATTEMPTS=3, STT_LEASE=60.0)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def make_job(stt_app):
    """Store ``data`` and enqueue a job for it (kind ``file`` unless told)."""
    count = 0

    def make(data: bytes = b"audio bytes", kind: str = FILE_KIND, suffix: str = ".wav"):
        nonlocal count
        count += 1
        key = f"stt-tests/{count}{suffix}"
        get_storage().put_bytes(key, data, "audio/wav")
        return stt_jobs.enqueue(kind, str(count), key, "audio/wav")
    return make


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")
