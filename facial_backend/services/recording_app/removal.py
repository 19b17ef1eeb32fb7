"""Removing recording-app sessions for good: rows and files together.

Rows go first, in one transaction per session (its videos, chunks and client logs with it);
files follow only after that commit, the way expired uploads are purged: a failed commit
leaves the session whole, and files a failure left behind have no rows, so the next removal
sweeps them (any folder of a media root that names no session).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from facial_backend.constants.recording_app import MEDIA_ROOTS
from facial_backend.extensions import db, get_storage
from facial_backend.models.client_logs import ClientLog
from facial_backend.models.sessions import StudySession
from facial_backend.models.uploads import Video, VideoChunk
from facial_backend.services.recording_app import running_hashes
from facial_backend.services.recording_app.sessions import KIND, media_folder, mirror_lock_key
from facial_backend.services.recording_app.video_staging import VideoStaging
from facial_backend.services.shared.locks import keyed_lock


@dataclass(frozen=True)
class RemovedCounts:
    """Sessions removed, by media root (the origin's names), and the files removed."""

    recordings: int
    camera_tests: int
    files: int


@dataclass(frozen=True)
class ClearedData:
    deleted: RemovedCounts


def remove_session(session_id: str) -> int | None:
    """Remove one session with everything it holds; the number of files removed, or None if
    the session was gone already. Locks are taken as uploads take them (its videos', in the
    process first, then the rows), and ``session.json`` is not rewritten meanwhile."""
    video_ids = db.session.scalars(sa.select(Video.video_id).where(Video.session_id == session_id)
                                   .order_by(Video.video_id)).all()
    db.session.rollback()
    with ExitStack() as locks:
        for video_id in video_ids:
            locks.enter_context(keyed_lock(("video", session_id, video_id)))
        locks.enter_context(keyed_lock(mirror_lock_key(session_id)))
        try:
            session = db.session.scalar(sa.select(StudySession).where(StudySession.id == session_id,
                                                                       StudySession.kind == KIND)
                                        .with_for_update())
            if session is None:
                db.session.rollback()
                return None
            folder = media_folder(session)
            videos = db.session.scalars(sa.select(Video).where(Video.session_id == session_id)
                                        .with_for_update()).all()
            for video in videos:
                running_hashes.changed(video)
            staged = [video.id for video in videos]
            if staged:
                db.session.execute(sa.delete(VideoChunk).where(VideoChunk.video_pk.in_(staged)))
            db.session.execute(sa.delete(Video).where(Video.session_id == session_id))
            db.session.execute(sa.delete(ClientLog).where(ClientLog.session_id == session_id))
            db.session.execute(sa.delete(StudySession).where(StudySession.id == session_id))
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        for video_pk in staged:
            VideoStaging(current_app.config["DATA_DIR"], video_pk).remove()
        return _delete_folder(folder)


def _delete_folder(folder: str) -> int:
    storage = get_storage()
    keys = [info.key for info in storage.list(f"{folder}/")]
    for key in keys:
        storage.delete(key)
    return len(keys)


def _sweep_orphans() -> int:
    """Files under a media root whose session folder names no session (left by a failure
    after a removal's commit, or by the origin)."""
    removed = 0
    for root in MEDIA_ROOTS.values():
        folders = {info.key[len(root) + 1:].split("/", 1)[0] for info in get_storage().list(f"{root}/")}
        known = set(db.session.scalars(sa.select(StudySession.id).where(StudySession.id.in_(folders))))
        db.session.rollback()
        for folder in sorted(folders - known):
            removed += _delete_folder(f"{root}/{folder}")
    return removed


def clear_all() -> ClearedData:
    """Remove every recording-app session (both media roots), every orphaned file and the
    client logs sent without a session."""
    sessions = db.session.execute(sa.select(StudySession.id, StudySession.video_type)
                                  .where(StudySession.kind == KIND)).all()
    db.session.rollback()
    counts = dict.fromkeys(MEDIA_ROOTS, 0)
    files = 0
    for session_id, video_type in sessions:
        removed = remove_session(session_id)
        if removed is not None:
            counts[video_type or "recording"] += 1
            files += removed
    files += _sweep_orphans()
    db.session.execute(sa.delete(ClientLog).where(ClientLog.session_id.is_(None)))
    db.session.commit()
    return ClearedData(RemovedCounts(recordings=counts["recording"], camera_tests=counts["encoder_test"],
                                     files=files))
