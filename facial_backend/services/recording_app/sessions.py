"""Sessions of the browser recording app and the metadata of their videos.

The database is the source of truth; the origin's files (``session.json``,
``<video_id>.metadata.json``) are kept as mirrors in storage so scripts that read the data
folder keep working. ``session.json`` holds the document the API answers for the session: the
API layer provides its serialiser (``provide_session_document``).

Mirrors are best effort: a write is answered from its committed rows even when its mirror
cannot be written (a store that refuses, fails or does not answer in time). The failure is
logged and the mirror stays stale until the next write of the same file rewrites it whole from
the rows, so no answer depends on a mirror and a retry never meets a half-done write.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from flask import Flask, current_app

from facial_backend import blocking_work
from facial_backend.constants.recording_app import MEDIA_ROOTS
from facial_backend.errors import NotFound
from facial_backend.extensions import db, get_storage
from facial_backend.ids import new_uuid
from facial_backend.models.sessions import StudySession
from facial_backend.models.uploads import Video
from facial_backend.services.recording_app.videos import lock_video
from facial_backend.services.shared.locks import covering_write
from facial_backend.timeutil import utcnow
from storage import StorageError

KIND = "recording"
_SESSION_DOCUMENT = "recording_app.session_document"
MIRROR_FAILURES = (StorageError, OSError)
"""How a mirror write fails without a bug: the store refused, failed or timed out."""
log = logging.getLogger(__name__)


def mirror_lock_key(session_id: str) -> tuple[str, str]:
    """The in-process lock key of a session's ``session.json`` writes."""
    return ("session-mirror", session_id)


@dataclass(frozen=True)
class SessionWithVideos:
    """A session and each of its videos, oldest first."""

    session: StudySession
    videos: list[Video]


@dataclass(frozen=True)
class Acknowledged:
    """What a write answers with, taken at its commit: the rows may be gone by the time the
    answer is written (an admin's clear-all)."""

    id: str
    started_at: datetime | None = None
    status: str | None = None


def create_session(participant_id: str | None, participant_name: str | None,
                   video_type: str) -> Acknowledged:
    session = StudySession(id=new_uuid(), kind=KIND, status="created", video_type=video_type,
                           participant_id=participant_id,
                           participant_name=participant_name or "Anonymous", started_at=utcnow())
    created = Acknowledged(session.id, session.started_at, session.status)
    db.session.add(session)
    db.session.commit()
    write_session_mirror(created.id)
    return created


def get_session(session_id: str) -> StudySession:
    session = db.session.get(StudySession, session_id)
    if session is None or session.kind != KIND:
        raise NotFound("Session not found", "session_not_found")
    return session


def media_folder(session: StudySession) -> str:
    return _folder(session.video_type or "recording", session.id)


def _folder(video_type: str, session_id: str) -> str:
    return f"{MEDIA_ROOTS[video_type]}/{session_id}"


def video_key(video: Video) -> str:
    """Where a finished video is stored (a video keeps its session's ``video_type``)."""
    return f"{_folder(video.video_type, video.session_id)}/{video.video_id}.{video.file_extension}"


def session_videos(session: StudySession) -> list[Video]:
    return list(db.session.scalars(
        db.select(Video).filter_by(session_id=session.id).order_by(Video.created_at, Video.id)))


def with_videos(session: StudySession) -> SessionWithVideos:
    return SessionWithVideos(session, session_videos(session))


def provide_session_document(app: Flask, document: Callable[[SessionWithVideos], dict[str, Any]]) -> None:
    """Set how ``session.json`` is written: the API's document of the session."""
    app.extensions[_SESSION_DOCUMENT] = document


def write_session_mirror(session_id: str) -> bool:
    """Rewrite the session's ``session.json`` from what is committed: call it after the commit.
    Best effort: False when the store failed (logged; the session's next write repairs it).
    Writers take turns per session (in the process, and across processes through the session's
    row lock on PostgreSQL), so the last one to write has seen every earlier commit; callers
    whose commit a later-begun write already covered skip theirs (four videos finishing at
    once wait for one or two writes). A failed write covers nobody: the callers waiting
    behind it try again themselves."""
    try:
        _rewrite_session_mirror(session_id)
    except MIRROR_FAILURES as failure:
        log.warning("session.json of recording session %s not written, left stale until the "
                    "session's next write: %s", session_id, failure)
        return False
    return True


def mirror_after_answer(session_id: str) -> None:
    """``write_session_mirror`` once the request's answer is out (where the app's way of
    blocking work can wait that long; else now): a completing upload's client waits for its
    video's commit, not for the mirror of it."""
    blocking_work.after_answer(partial(write_session_mirror, session_id))


def _rewrite_session_mirror(session_id: str) -> None:
    with covering_write(mirror_lock_key(session_id)) as needed:
        if not needed:
            return
        try:
            session = db.session.scalar(db.select(StudySession).filter_by(id=session_id).with_for_update())
            if session is None:  # removed meanwhile, its folder with it
                db.session.rollback()
                return
            document = current_app.extensions[_SESSION_DOCUMENT](with_videos(session))
            _put_json(f"{media_folder(session)}/session.json", document)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


def _put_json(key: str, document: dict[str, Any]) -> None:
    """Store a mirror file; its durable write (fsyncs, or the call to S3) may run in a thread."""
    blocking_work.run(get_storage().put_bytes, key, json.dumps(document, indent=2).encode(),
                      "application/json")


def save_metadata(session: StudySession, video_id: str, metadata: dict[str, Any]) -> Acknowledged:
    """Keep the app's metadata for a video (uploaded, uploading or not started yet).

    A retry replaces the earlier metadata; the video stays listed once. Its
    ``<video_id>.metadata.json`` is written under the video's row lock, so writes land in commit
    order; best effort like every mirror (the video's next metadata rewrites it).
    """
    session_id = session.id
    with lock_video(session_id, video_id, lambda: get_session(session_id)) as video:
        video.metadata_json = metadata
        video.prompt_id = _text_or_none(metadata.get("prompt_id"))
        video.metadata_at = utcnow()
        try:
            _put_json(f"{media_folder(session)}/{video_id}.metadata.json", metadata)
        except MIRROR_FAILURES as failure:
            log.warning("%s.metadata.json of recording session %s not written, left stale until "
                        "the video's next metadata: %s", video_id, session_id, failure)
    write_session_mirror(session_id)
    return Acknowledged(video_id)


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)[:200]
