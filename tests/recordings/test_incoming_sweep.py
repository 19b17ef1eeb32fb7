"""Temporary files of presigned uploads that never finished (a worker killed mid-upload) are
swept at start-up and by ``flask uploads purge`` once untouched for UPLOAD_TTL; purges have a
``--dry-run`` that changes nothing."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import psutil
import pytest
import requests

from facial_backend import create_app
from facial_backend.extensions import db
from facial_backend.models.recordings import Recording
from facial_backend.timeutil import utcnow
from tests.recordings.conftest import VISIT, bearer, uploaded_recording

DAY = 24 * 3600
TIMEOUT = 30


@pytest.fixture
def local_settings(app_settings):
    return {**app_settings, "STORAGE_BACKEND": "local"}


@pytest.fixture
def local_app(local_settings):
    """Start apps on the local backend (each start sweeps); their connections close after."""
    started = []

    def start():
        started.append(create_app({**local_settings, "TESTING": True, "REDIS_URL": None}))
        return started[-1]

    yield start
    for app in started:
        with app.app_context():
            db.engine.dispose()


def incoming(settings) -> Path:
    return Path(settings["DATA_DIR"]) / ".incoming"


def left_behind(settings, name: str, age_seconds: float) -> Path:
    folder = incoming(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"part of an upload")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_stale_upload_files_are_swept_at_start_up(local_settings, local_app):
    stale = left_behind(local_settings, "upload-stale", DAY + 60)
    fresh = left_behind(local_settings, "upload-fresh", 60)
    other = left_behind(local_settings, "not-an-upload", DAY + 60)
    local_app()
    assert not stale.exists()
    assert fresh.exists() and other.exists()


def test_uploads_purge_dry_run_lists_and_keeps_then_purge_removes(local_settings, local_app):
    app = local_app()
    stale = left_behind(local_settings, "upload-stale", DAY + 60)
    fresh = left_behind(local_settings, "upload-fresh", 60)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["uploads", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would be removed {stale}" in dry.output
    assert "1 unfinished presigned upload file(s) would be removed" in dry.output
    assert stale.exists() and fresh.exists()

    done = runner.invoke(args=["uploads", "purge"])
    assert done.exit_code == 0, done.output
    assert "1 unfinished presigned upload file(s) removed" in done.output
    assert not stale.exists() and fresh.exists()


def test_recordings_purge_dry_run_changes_nothing(app, client, runner, make_user):
    _, token = make_user("alice", "recorder")
    recording_id = uploaded_recording(client, token)
    assert client.delete(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).status_code == 200
    with app.app_context():
        recording = db.session.get(Recording, recording_id)
        recording.deleted_at = utcnow() - timedelta(days=10)
        db.session.commit()
        key = recording.storage_key

    dry = runner.invoke(args=["recordings", "purge", "--older-than", "7", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would be purged {recording_id} {key}" in dry.output
    assert "1 deleted recording(s) would be purged" in dry.output
    assert app.extensions["storage"].head(key) is not None
    with app.app_context():
        assert db.session.get(Recording, recording_id).purged_at is None


def _wait_for(condition, what: str, seconds: float = TIMEOUT):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.live
def test_a_worker_killed_mid_upload_leaves_a_file_the_purge_removes(live_server_factory, local_settings,
                                                                    local_app, make_user):
    server = live_server_factory(extra_env={"STORAGE_BACKEND": "local"})
    make_user("phone", "recorder", password="phone-pass")
    http = requests.Session()
    token = http.post(f"{server.base_url}/api/v1/auth/token", timeout=TIMEOUT,
                      data={"username": "phone", "password": "phone-pass"}).json()["access_token"]
    upload = http.post(f"{server.base_url}/api/v1/recordings/upload/initiate", headers=bearer(token),
                       json={"visit_id": VISIT, "filename": "visit.m4a"}, timeout=TIMEOUT).json()
    boundary, release = "----killed", threading.Event()

    def body():
        for name, value in upload["upload_fields"].items():
            yield f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        yield (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="visit.m4a"\r\n'
               "Content-Type: audio/m4a\r\n\r\n").encode() + os.urandom(512 * 1024)
        release.wait(TIMEOUT)  # the worker dies meanwhile; the rest never arrives

    def send():
        with contextlib.suppress(requests.RequestException):
            requests.post(upload["upload_url"], data=body(), timeout=TIMEOUT,
                          headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})

    sender = threading.Thread(target=send)
    sender.start()
    try:
        (partial,) = _wait_for(lambda: [p for p in incoming(local_settings).glob("upload-*")
                                        if p.stat().st_size > 0], "the upload's temporary file")
        worker = psutil.Process(server.process.pid).children()[0]
        worker.kill()
        worker.wait(TIMEOUT)
    finally:
        release.set()
        sender.join(TIMEOUT)
    assert partial.exists()  # nothing of the killed request cleaned up

    runner = local_app().test_cli_runner()
    assert "0 unfinished presigned upload file(s) removed" in runner.invoke(args=["uploads", "purge"]).output
    assert partial.exists()  # not yet untouched for UPLOAD_TTL
    then = time.time() - DAY - 60
    os.utime(partial, (then, then))
    result = runner.invoke(args=["uploads", "purge"])
    assert f"removed {partial}" in result.output
    assert not partial.exists()
