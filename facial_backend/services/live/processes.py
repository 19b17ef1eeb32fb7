"""Liveness of the web processes holding live sockets: each one beats its ``live_processes``
row every LIVE_HEARTBEAT_SECONDS; a process whose row is missing or older than three beats is
dead, and the first survivor to sweep removes its sockets' rows and marks their members away,
as for a lost transport (the grace period starts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from facial_backend.extensions import db
from facial_backend.models.live import LiveConnection, LiveProcess
from facial_backend.services.live import sessions as live_sessions
from facial_backend.services.live.sessions import Membership
from facial_backend.timeutil import utcnow

MISSED_BEATS = 3


@dataclass(frozen=True)
class LostSocket:
    """A socket of a dead process; ``away`` is the session its user is now away from."""

    user_id: str
    role: str
    away: Membership | None


def beat(process_id: str) -> None:
    """Record that ``process_id`` is alive now."""
    now = utcnow()
    updated = db.session.execute(db.update(LiveProcess).filter_by(id=process_id).values(beat_at=now))
    db.session.commit()
    if updated.rowcount == 1:
        return
    db.session.add(LiveProcess(id=process_id, beat_at=now))
    try:
        db.session.commit()
    except IntegrityError:  # another session of this process inserted it first
        db.session.rollback()


def retire(process_id: str) -> None:
    """Forget ``process_id`` (it is shutting down): its sockets are swept at once."""
    db.session.execute(db.delete(LiveProcess).filter_by(id=process_id))
    db.session.commit()


def dead_after() -> timedelta:
    return timedelta(seconds=MISSED_BEATS * current_app.config["LIVE_HEARTBEAT_SECONDS"])


def sweep_dead(sweeper_id: str) -> list[LostSocket]:
    """Remove the connections of dead processes and the rows of those processes; each lost
    socket's member is marked away (unless it still has a socket elsewhere). Only the sweeper
    whose delete removed a connection reports it. The sweeper's own sockets are left to the
    others (it may be shutting down, unable to tell peers elsewhere)."""
    cutoff = utcnow() - dead_after()
    alive = sa.select(LiveProcess.id).where(LiveProcess.beat_at >= cutoff)
    orphans = db.session.execute(
        sa.select(LiveConnection.sid, LiveConnection.user_id, LiveConnection.role)
        .where(LiveConnection.worker.not_in(alive), LiveConnection.worker != sweeper_id)).all()
    db.session.execute(db.delete(LiveProcess).where(LiveProcess.beat_at < cutoff))
    db.session.commit()
    lost = []
    for sid, user_id, role in orphans:
        removed = db.session.execute(db.delete(LiveConnection).filter_by(sid=sid))
        db.session.commit()
        if removed.rowcount == 1:
            lost.append(LostSocket(user_id, role, live_sessions.member_left(user_id, role)))
    return lost
