"""Testbed sessions: rows of the shared ``sessions`` table of kind ``testbed``.

Reading, notes, telemetry and STT tasks work on a session of any kind (a note may annotate a
recording or live session); changing or deleting one is only for testbed sessions, the other
kinds belong to their own APIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func

from facial_backend.errors import Conflict, NotFound
from facial_backend.extensions import db, get_storage
from facial_backend.ids import new_id
from facial_backend.models.sessions import StudySession
from facial_backend.models.testbed import Note, SttTask, TelemetryPoint
from facial_backend.realtime import event_bodies, events
from facial_backend.timeutil import utcnow

KIND = "testbed"


@dataclass(frozen=True)
class CountedSession:
    """A session with the number of its notes: what the testbed API answers with."""

    session: StudySession
    note_count: int

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def with_note_counts(sessions: list[StudySession]) -> list[CountedSession]:
    counts = note_counts([session.id for session in sessions])
    return [CountedSession(session, counts.get(session.id, 0)) for session in sessions]


def get_session(session_id: str) -> StudySession:
    session = db.session.get(StudySession, session_id)
    if session is None:
        raise NotFound(f"Session {session_id} not found", "session_not_found")
    return session


def require_open(session_id: str, refusal: str, *, allow_ended: bool = False,
                 share_lock: bool = False) -> None:
    """404 for an unknown session; 409 ``session_ended`` ("Session X has ended; <refusal>")
    for an ended one unless ``allow_ended``."""
    if session_status(session_id, share_lock=share_lock) == "ended" and not allow_ended:
        raise Conflict(f"Session {session_id} has ended; {refusal}", "session_ended")


def session_status(session_id: str, *, share_lock: bool = False) -> str:
    """The status of an existing session (a light query for the hot paths); 404 otherwise.

    ``share_lock`` keeps the session from being deleted until the transaction ends."""
    query = db.select(StudySession.status).where(StudySession.id == session_id)
    if share_lock:
        query = query.with_for_update(read=True, key_share=True)
    status = db.session.execute(query).scalar()
    if status is None:
        raise NotFound(f"Session {session_id} not found", "session_not_found")
    return status


def get_testbed_session(session_id: str, *, for_update: bool = False) -> StudySession:
    """A session the testbed API may change; other kinds answer 409."""
    query = db.select(StudySession).filter_by(id=session_id)
    session = db.session.scalar(query.with_for_update() if for_update else query)
    if session is None:
        raise NotFound(f"Session {session_id} not found", "session_not_found")
    if session.kind != KIND:
        raise Conflict(f"Session {session_id} is a {session.kind} session; only testbed sessions "
                       "are changed through this API", "session_kind_mismatch")
    return session


def create_session(name: str, description: str | None, user_id: str | None) -> StudySession:
    session = StudySession(id=new_id("sess_"), kind=KIND, status="active", name=name,
                           description=description, created_by_id=user_id, started_at=utcnow())
    db.session.add(session)
    db.session.commit()
    return session


def list_sessions(kind: str, limit: int | None, offset: int) -> list[StudySession]:
    """Newest first; ``kind`` is a session kind or ``all``."""
    query = db.select(StudySession).order_by(StudySession.started_at.desc(), StudySession.id)
    if kind != "all":
        query = query.filter_by(kind=kind)
    return list(db.session.scalars(query.offset(offset).limit(limit)))


def note_counts(session_ids: list[str]) -> dict[str, int]:
    if not session_ids:
        return {}
    rows = db.session.execute(db.select(Note.session_id, func.count()).where(
        Note.session_id.in_(session_ids)).group_by(Note.session_id))
    return dict(rows.tuples().all())


def update_session(session_id: str, changes: dict[str, Any]) -> StudySession:
    """Apply the given fields; ending sets ``ended_at`` once, reopening clears it."""
    session = get_testbed_session(session_id, for_update=True)
    for name in ("name", "description"):
        if changes.get(name) is not None:
            setattr(session, name, changes[name])
    status = changes.get("status")
    ended_now = status == "ended" and session.status != "ended"
    if status == "ended" and session.ended_at is None:
        session.ended_at = utcnow()
    elif status == "active":
        session.ended_at = None
    if status:
        session.status = status
    db.session.commit()
    if ended_now:
        events.publish(session.id, "session.ended", event_bodies.session(with_note_counts([session])[0]))
    return session


def delete_session(session_id: str, delete_media: bool) -> None:
    """Remove the session with its notes, telemetry and tasks (notes and tasks by their foreign
    keys' cascade); the stored audio its tasks point at goes too only with ``delete_media``."""
    session = get_testbed_session(session_id, for_update=True)
    keys = list(db.session.scalars(db.select(SttTask.storage_key).filter(
        SttTask.session_id == session.id, SttTask.storage_key.is_not(None)))) if delete_media else []
    db.session.execute(db.delete(TelemetryPoint).where(TelemetryPoint.session_id == session.id))
    db.session.delete(session)
    db.session.commit()
    storage = get_storage()
    for key in keys:
        storage.delete(key)

