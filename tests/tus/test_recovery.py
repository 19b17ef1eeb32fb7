"""Leftovers: a completion interrupted after the last bytes were acknowledged is finished by the
next request; purging removes stale records and staged folders no upload owns."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta
from pathlib import Path

from facial_backend.extensions import db
from facial_backend.models.tus import TusUpload
from facial_backend.services.tus import destinations
from tests.tus.tus_client import create, head, new_session, patch, video_metadata


class Crash(Exception):
    """Stands for a worker dying between the last acknowledgement and the completion."""


def test_interrupted_completion_is_finished_by_head(client, app, monkeypatch):
    session_id = new_session(client)
    data = os.urandom(5000)
    location = create(client, len(data), video_metadata(session_id, "interrupted")).headers["Location"]
    finish = destinations.finish_video

    def crash(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(destinations, "finish_video", crash)
    assert patch(client, location, 0, data).status_code == 500
    monkeypatch.setattr(destinations, "finish_video", finish)
    state = head(client, location)
    assert state.status_code == 200 and state.headers["Upload-Offset"] == str(len(data))
    [video] = client.get(f"/api/session/{session_id}").get_json()["videos"]
    assert video["status"] == "complete" and video["sha256"] == hashlib.sha256(data).hexdigest()
    assert patch(client, location, len(data), b"").status_code == 204


def test_purge_removes_old_records_and_orphaned_folders(client, app, runner):
    session_id = new_session(client)
    location = create(client, 3, video_metadata(session_id, "kept")).headers["Location"]
    assert patch(client, location, 0, b"abc").status_code == 204
    upload_id = location.rsplit("/", 1)[1]
    orphan = Path(app.config["DATA_DIR"]) / ".staging" / "tus" / ("f" * 32)
    orphan.mkdir(parents=True)
    (orphan / "data.part").write_bytes(b"left by a creation that died before its commit")
    old = time.time() - app.config["UPLOAD_TTL"] - 60
    for entry in (orphan / "data.part", orphan):
        os.utime(entry, (old, old))
    with app.app_context():
        upload = db.session.get(TusUpload, upload_id)
        upload.updated_at = upload.updated_at - timedelta(seconds=app.config["UPLOAD_TTL"] + 60)
        db.session.commit()
    result = runner.invoke(args=["uploads", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 expired tus upload(s) removed" in result.output
    assert "1 orphaned tus staging folder(s) removed" in result.output
    assert not orphan.exists()
    assert head(client, location).status_code == 404
    [video] = client.get(f"/api/session/{session_id}").get_json()["videos"]
    assert video["status"] == "complete"
