"""Abandoned chunked uploads: partial uploads untouched for UPLOAD_TTL expire, and staging
folders that no upload owns are removed (``flask uploads purge``)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import current_app

from facial_backend.extensions import db
from facial_backend.models.sessions import StudySession
from facial_backend.models.uploads import Video, VideoChunk
from facial_backend.services.recording_app import running_hashes
from facial_backend.services.recording_app.video_staging import VideoStaging
from facial_backend.services.recording_app.videos import lock_video
from facial_backend.timeutil import utcnow


def purge_expired(now=None, *, dry_run: bool = False) -> list[tuple[str, str]]:
    """Expire partial uploads untouched for UPLOAD_TTL (with ``dry_run``: only list them). Their
    staged files are removed after the commit: a failed commit leaves the upload as it was."""
    cutoff = (now or utcnow()) - timedelta(seconds=current_app.config["UPLOAD_TTL"])
    stale = db.session.execute(
        db.select(Video.session_id, Video.video_id)
        .filter(Video.status == "receiving", Video.received_chunks > 0, Video.updated_at < cutoff)
    ).all()
    if dry_run:
        return [tuple(row) for row in stale]
    expired = []
    for session_id, video_id in stale:
        with lock_video(session_id, video_id, partial(db.session.get, StudySession, session_id)) as video:
            if video.status != "receiving" or video.updated_at >= cutoff:
                continue
            db.session.execute(db.delete(VideoChunk).filter_by(video_pk=video.id))
            video.status = "expired"
            video.appended_chunks = video.appended_bytes = video.received_chunks = 0
            running_hashes.changed(video)
            video_pk = video.id
        VideoStaging(current_app.config["DATA_DIR"], video_pk).remove()
        expired.append((session_id, video_id))
    return expired


def remove_orphaned_staging(now=None, *, dry_run: bool = False) -> int:
    """Remove (with ``dry_run``: only count) staged folders untouched for UPLOAD_TTL that no
    receiving video owns: left by the first chunk of a video whose request died before its
    commit (the row was never made)."""
    cutoff = ((now or utcnow()) - timedelta(seconds=current_app.config["UPLOAD_TTL"])).timestamp()
    receiving = set(db.session.scalars(db.select(Video.id).filter(Video.status == "receiving")))
    removed = 0
    for staging in VideoStaging.all_in(current_app.config["DATA_DIR"]):
        if staging.video_pk not in receiving and staging.changed_at() < cutoff:
            if not dry_run:
                staging.remove()
            removed += 1
    return removed
