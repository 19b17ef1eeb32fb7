"""What survives a request that dies midway (the process killed between writing and committing),
a staged file that lost bytes, and the purge of abandoned uploads."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from pathlib import Path

import pytest

from facial_backend.extensions import db
from facial_backend.models.uploads import Video
from facial_backend.services.recording_app.upload_expiry import purge_expired
from facial_backend.timeutil import utcnow
from tests.recording_app_client import create_session, post_chunk, staging_root, stored_video, upload_status


def part_file(app) -> Path:
    """The staged file of the one video uploading in this test."""
    return next(staging_root(app).iterdir()) / "data.part"


def test_bytes_written_by_an_unacknowledged_request_are_cut_off(client, app):
    """A process that died between writing a chunk and committing it leaves extra bytes."""
    session_id = create_session(client)
    post_chunk(client, session_id, "v", 0, 3, b"zero-")
    post_chunk(client, session_id, "v", 1, 3, b"one-")
    staged = part_file(app)
    with open(staged, "ab") as part:
        part.write(b"GARBAGE-FROM-A-DEAD-REQUEST")
    response = post_chunk(client, session_id, "v", 2, 3, b"two")
    assert response.json["status"] == "video_complete"
    assert stored_video(app, session_id, "v") == b"zero-one-two"
    status = upload_status(client, session_id, "v")
    assert status["sha256"] == hashlib.sha256(b"zero-one-two").hexdigest()


def post_chunk_dying_before_commit(client, app, monkeypatch, *chunk, at="_outcome") -> None:
    """Post a chunk whose request dies when it calls the upload engine's function ``at``
    (by default, once it has done all its work), before its last commit."""
    from facial_backend.services.recording_app import uploads

    def die(*_args):
        raise RuntimeError("the process dies here")
    with monkeypatch.context() as patch:
        patch.setattr(uploads, at, die)
        app.config["PROPAGATE_EXCEPTIONS"] = False
        assert post_chunk(client, *chunk).status_code == 500


def test_a_completion_whose_commit_was_lost_is_finished_by_the_retry(client, app, monkeypatch):
    """The process dies after moving the finished file into storage, before its commit: the
    app retries the last chunk, and the stored file, its size and SHA-256 are the upload's."""
    session_id = create_session(client)
    post_chunk(client, session_id, "v", 0, 3, b"zero-")
    post_chunk(client, session_id, "v", 1, 3, b"one-")
    post_chunk_dying_before_commit(client, app, monkeypatch, session_id, "v", 2, 3, b"two")

    response = post_chunk(client, session_id, "v", 2, 3, b"two")
    assert response.json["status"] == "video_complete"
    assert stored_video(app, session_id, "v") == b"zero-one-two"
    status = upload_status(client, session_id, "v")
    assert (status["size"], status["sha256"]) == (12, hashlib.sha256(b"zero-one-two").hexdigest())


def test_a_lost_completion_commit_is_finished_when_nothing_was_appended_before(client, app, monkeypatch):
    """Chunk 1 waits (nothing appended yet); the request with chunk 0 appends both, stores the
    video and dies before its commit. Its retry finishes the video instead of calling it lost
    (found by ``bench/scenarios/crash_uploads.py`` on PostgreSQL)."""
    session_id = create_session(client)
    assert post_chunk(client, session_id, "v", 1, 2, b"one").json["received"] == 1
    post_chunk_dying_before_commit(client, app, monkeypatch, session_id, "v", 0, 2, b"zero-")

    response = post_chunk(client, session_id, "v", 0, 2, b"zero-")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "video_complete"
    assert stored_video(app, session_id, "v") == b"zero-one"
    status = upload_status(client, session_id, "v")
    assert (status["size"], status["sha256"]) == (8, hashlib.sha256(b"zero-one").hexdigest())


def test_a_chunk_appended_by_a_request_that_died_is_appended_again(client, app, monkeypatch):
    """Chunk 2 waits for chunk 1; the request with chunk 1 appends both and dies before its
    commit. The retry of chunk 1 must still find chunk 2's bytes."""
    session_id = create_session(client)
    post_chunk(client, session_id, "v", 0, 4, b"zero-")
    assert post_chunk(client, session_id, "v", 2, 4, b"two-").json["received"] == 2
    post_chunk_dying_before_commit(client, app, monkeypatch, session_id, "v", 1, 4, b"one-")

    assert post_chunk(client, session_id, "v", 1, 4, b"one-").json["received"] == 3
    assert post_chunk(client, session_id, "v", 3, 4, b"three").json["status"] == "video_complete"
    assert stored_video(app, session_id, "v") == b"zero-one-two-three"


@pytest.mark.parametrize("new_zero", [b"ZERO!!", b"ZERO-"], ids=["other-size", "same-size"])
@pytest.mark.parametrize("dies_at", ["_drain_pending", "_outcome"])
@pytest.mark.parametrize("retried", [True, False], ids=["retried", "not-retried"])
def test_a_replacement_that_died_loses_nothing(client, app, monkeypatch, new_zero, dies_at, retried):
    """Chunk 0 is sent again with other bytes while chunks 1 and 2 follow it in the staged file;
    the request dies after moving them aside, or after appending them back. Whether the app
    retries it or goes on, every acknowledged chunk is in the stored file, after the new 0."""
    session_id = create_session(client)
    for index, part in enumerate((b"zero-", b"one-", b"two-")):
        post_chunk(client, session_id, "v", index, 4, part)
    post_chunk_dying_before_commit(client, app, monkeypatch, session_id, "v", 0, 4, new_zero,
                                   at=dies_at)
    assert upload_status(client, session_id, "v")["received"] == [0, 1, 2]

    if retried:
        assert post_chunk(client, session_id, "v", 0, 4, new_zero).json["received"] == 3
    assert post_chunk(client, session_id, "v", 3, 4, b"three").json["status"] == "video_complete"
    expected = new_zero + b"one-two-three"
    assert stored_video(app, session_id, "v") == expected
    status = upload_status(client, session_id, "v")
    assert (status["size"], status["sha256"]) == (len(expected), hashlib.sha256(expected).hexdigest())


def test_a_staged_file_that_lost_acknowledged_bytes_is_reported_lost(client, app):
    """A part file shorter than its committed chunks (a disk restored from an older copy, say)
    is never padded: the upload cannot be finished, and the app is told so."""
    session_id = create_session(client)
    post_chunk(client, session_id, "v", 0, 3, b"zero-")
    post_chunk(client, session_id, "v", 1, 3, b"one-")
    os.truncate(part_file(app), 3)
    response = post_chunk(client, session_id, "v", 2, 3, b"two")
    assert response.status_code == 410 and response.json["code"] == "upload_lost"
    assert part_file(app).stat().st_size == 3
    part_file(app).unlink()
    response = post_chunk(client, session_id, "v", 2, 3, b"two")
    assert response.status_code == 410 and response.json["code"] == "upload_lost"
    assert upload_status(client, session_id, "v")["status"] == "receiving"


def test_expired_upload_is_purged_and_refused(client, app, runner):
    session_id = create_session(client)
    post_chunk(client, session_id, "old", 0, 2, b"part")
    post_chunk(client, session_id, "fresh", 0, 2, b"part")
    with app.app_context():
        assert purge_expired(now=utcnow()) == []
        assert purge_expired(now=utcnow() + timedelta(hours=25)) == \
            [(session_id, "old"), (session_id, "fresh")]
    status = upload_status(client, session_id, "old")
    assert status["status"] == "expired" and status["received"] == []
    response = post_chunk(client, session_id, "old", 1, 2, b"more")
    assert response.status_code == 410 and response.json["code"] == "upload_expired"
    assert not any(staging_root(app).iterdir())
    result = runner.invoke(args=["uploads", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["0 partial upload(s) expired",
                                          "0 orphaned staging folder(s) removed",
                                          "0 unfinished presigned upload file(s) removed",
                                          "0 expired tus upload(s) removed",
                                          "0 orphaned tus staging folder(s) removed",
                                          "0 temporary file(s) of interrupted writes removed"]


def age_upload(app, session_id: str, video_id: str, hours: float) -> None:
    with app.app_context():
        video = db.session.scalars(db.select(Video).filter_by(session_id=session_id,
                                                              video_id=video_id)).one()
        video.updated_at = utcnow() - timedelta(hours=hours)
        db.session.commit()


def test_purge_command_expires_only_uploads_untouched_for_the_ttl(client, app, runner):
    session_id = create_session(client)
    for video_id in ("old", "fresh", "done"):
        post_chunk(client, session_id, video_id, 0, 2 if video_id != "done" else 1, b"part")
    age_upload(app, session_id, "old", 25)
    age_upload(app, session_id, "done", 25)
    result = runner.invoke(args=["uploads", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"expired {session_id}/old", "1 partial upload(s) expired",
                                          "0 orphaned staging folder(s) removed",
                                          "0 unfinished presigned upload file(s) removed",
                                          "0 expired tus upload(s) removed",
                                          "0 orphaned tus staging folder(s) removed",
                                          "0 temporary file(s) of interrupted writes removed"]
    assert [upload_status(client, session_id, v)["status"] for v in ("old", "fresh", "done")] == \
        ["expired", "receiving", "complete"]
    assert post_chunk(client, session_id, "fresh", 1, 2, b"-end").json["status"] == "video_complete"
    assert stored_video(app, session_id, "fresh") == b"part-end"


def test_purge_removes_staging_folders_no_upload_owns(client, app, runner):
    """A request that died with the first chunk of a video leaves a folder and no row."""
    session_id = create_session(client)
    post_chunk(client, session_id, "slow", 0, 2, b"part")
    long_ago = (utcnow() - timedelta(hours=25)).timestamp()
    (owned,) = staging_root(app).iterdir()
    for folder in (staging_root(app) / "999001", staging_root(app) / "999002", owned):
        folder.mkdir(exist_ok=True)
        (folder / "data.part").write_bytes(b"left behind")
        if folder.name != "999002":
            for path in (folder / "data.part", folder):
                os.utime(path, (long_ago, long_ago))
    result = runner.invoke(args=["uploads", "purge"])
    assert "1 orphaned staging folder(s) removed" in result.output.splitlines()
    assert sorted(p.name for p in staging_root(app).iterdir()) == sorted([owned.name, "999002"])


def test_a_purge_whose_commit_fails_removes_nothing(client, app, monkeypatch):
    session_id = create_session(client)
    post_chunk(client, session_id, "v", 0, 2, b"zero-")
    age_upload(app, session_id, "v", 25)

    def fail():
        raise RuntimeError("the database went away")
    with app.app_context(), monkeypatch.context() as patch:
        patch.setattr(db.session, "commit", fail)
        with pytest.raises(RuntimeError):
            purge_expired()
    assert part_file(app).read_bytes() == b"zero-"
    assert upload_status(client, session_id, "v")["status"] == "receiving"
    assert post_chunk(client, session_id, "v", 1, 2, b"one").json["status"] == "video_complete"
