"""Log lines the recording app posts about itself, stored per session and bounded: a session
(and the lines sent before the app had one) keeps only its newest CLIENT_LOG_MAX_PER_SESSION
lines; older ones make room."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from facial_backend.constants.recording_app import CLIENT_LOG_MAX_PER_SESSION
from facial_backend.extensions import db
from facial_backend.models.client_logs import ClientLog
from facial_backend.services.recording_app.sessions import get_session
from facial_backend.services.shared.locks import keyed_lock


@dataclass(frozen=True)
class SessionLogs:
    session_id: str
    logs: list[ClientLog]

    @property
    def log_count(self) -> int:
        return len(self.logs)


def _same_session(session_id: str | None):
    return ClientLog.session_id.is_(None) if session_id is None else ClientLog.session_id == session_id


def add_log(*, level: str, message: str, context: Any, session_id: str | None = None,
            timestamp: str | None = None, client_ip: str | None = None) -> ClientLog:
    """Store one line (a named session must exist: 404 otherwise), then drop the session's
    lines beyond the newest CLIENT_LOG_MAX_PER_SESSION."""
    if session_id is not None:
        session_id = get_session(session_id).id
    entry = ClientLog(session_id=session_id, level=level.upper(), message=message, context=context,
                      client_timestamp=timestamp, client_ip=client_ip)
    with keyed_lock(("client-log", session_id)):
        db.session.add(entry)
        db.session.flush()
        oldest_kept = db.session.scalar(
            sa.select(ClientLog.id).where(_same_session(session_id))
            .order_by(ClientLog.id.desc()).offset(CLIENT_LOG_MAX_PER_SESSION - 1).limit(1))
        if oldest_kept is not None:
            db.session.execute(sa.delete(ClientLog).where(_same_session(session_id),
                                                          ClientLog.id < oldest_kept))
        db.session.commit()
    return entry


def session_logs(session_id: str) -> SessionLogs:
    """Every kept line of a recording session, oldest first (404 for an unknown session)."""
    session = get_session(session_id)
    logs = db.session.scalars(sa.select(ClientLog).where(ClientLog.session_id == session.id)
                              .order_by(ClientLog.id)).all()
    return SessionLogs(session.id, list(logs))
