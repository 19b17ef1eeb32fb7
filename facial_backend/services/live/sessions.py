"""Live sessions between one evaluator and one client (ORIGINS A.2/A.3), kept in the database
so that every process sees them: a ``sessions`` row (``kind="live"``) plus one ``live_members``
row per member while the session is active.

A member that disconnects on purpose ends the session at once. A member whose last socket is
lost is marked ``left_at``; if it registers again within ``SESSION_GRACE_SECONDS`` it is bound
back, otherwise the session ends: the deadline is in the database, so whichever process sweeps
first (``expire_overdue``) or looks at the session next ends it, even if the process that saw
the member leave is gone. Only one caller ever ends a session (``end_session``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from facial_backend.extensions import db
from facial_backend.ids import new_id
from facial_backend.models.live import LiveConnection, LiveMember
from facial_backend.models.sessions import StudySession
from facial_backend.services.shared.users import display_name, get_by_username
from facial_backend.timeutil import utcnow

KIND = "live"
OTHER_ROLE = {"evaluator": "client", "client": "evaluator"}


class LiveError(Exception):
    """A refused Socket.IO request; becomes an ``error`` event ``{code, message}``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Membership:
    """A user's place in an active session: the session id and the other member."""

    session_id: str
    role: str
    peer_id: str


@dataclass(frozen=True)
class Started:
    session: StudySession
    evaluator_name: str
    replaced: list[Membership]  # sessions ended to make room, seen from the evaluator


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["SESSION_GRACE_SECONDS"])


_PEER = aliased(LiveMember)
# Built once: the relay asks this about every connected member once a second.
_MEMBERSHIP = (
    sa.select(LiveMember.session_id, _PEER.user_id)
    .join(_PEER, (_PEER.session_id == LiveMember.session_id)
          & (_PEER.role == sa.bindparam("peer_role")))
    .where(LiveMember.user_id == sa.bindparam("user_id"), LiveMember.role == sa.bindparam("role"))
)


def membership(user_id: str, role: str) -> Membership | None:
    """The active session in which ``user_id`` plays ``role``, if any."""
    row = db.session.execute(_MEMBERSHIP, {"user_id": user_id, "role": role,
                                           "peer_role": OTHER_ROLE[role]}).first()
    return Membership(row[0], role, row[1]) if row else None


def is_connected(user_id: str, role: str, package: str | None = None) -> bool:
    query = db.select(LiveConnection.sid).filter_by(user_id=user_id, role=role)
    if package is not None:
        query = query.filter_by(package=package)
    return db.session.scalar(query.limit(1)) is not None


def connection_sids(user_id: str, role: str) -> list[str]:
    """The registered sockets of ``user_id`` in ``role``, in every process."""
    return list(db.session.scalars(db.select(LiveConnection.sid).filter_by(user_id=user_id, role=role)))


def start_session(evaluator_id: str, client_id: str, package: str) -> Started:
    """End the evaluator's previous session, check the client, create the new session."""
    if not is_connected(client_id, "client", package):
        raise LiveError("client_unavailable",
                        f"Client {client_id} is not connected with package {package}.")
    replaced = [m for m in [membership(evaluator_id, "evaluator")] if m]
    for old in replaced:
        end_session(old.session_id)
    busy = membership(client_id, "client")
    if busy is not None and not expire_if_overdue(busy.session_id):
        raise LiveError("client_busy", f"Client {client_id} is already in a session.")
    evaluator = get_by_username(evaluator_id)
    session = StudySession(id=new_id("sess_"), kind=KIND, status="active", package=package,
                           evaluator_id=evaluator_id, client_id=client_id,
                           created_by_id=evaluator.id if evaluator else None)
    db.session.add(session)
    db.session.flush()  # the members' foreign key needs the session row first
    db.session.add_all([LiveMember(session_id=session.id, role="evaluator", user_id=evaluator_id),
                        LiveMember(session_id=session.id, role="client", user_id=client_id)])
    db.session.commit()
    return Started(session, display_name(evaluator, evaluator_id), replaced)


def end_session(session_id: str) -> bool:
    """Mark the session ended and forget its members; True only for the one caller, in any
    process, that ended it (False if it was not active)."""
    ended = db.session.execute(
        db.update(StudySession).where(StudySession.id == session_id, StudySession.status == "active")
        .values(status="ended", ended_at=utcnow()).execution_options(synchronize_session=False))
    db.session.execute(db.delete(LiveMember).filter_by(session_id=session_id))
    db.session.commit()
    return ended.rowcount == 1


def member_left(user_id: str, role: str) -> Membership | None:
    """Mark ``user_id`` away from its session unless it still has a socket in that role."""
    current = membership(user_id, role)
    if current is None or is_connected(user_id, role):
        return None
    db.session.execute(db.update(LiveMember).filter_by(session_id=current.session_id, role=role)
                       .values(left_at=utcnow()))
    db.session.commit()
    return current


def member_quit(user_id: str, role: str) -> Membership | None:
    """End ``user_id``'s session at once (it left on purpose) unless it still has a socket in
    that role; returns the membership that ended."""
    current = membership(user_id, role)
    if current is None or is_connected(user_id, role):
        return None
    return current if end_session(current.session_id) else None


def member_back(user_id: str, role: str) -> tuple[Membership | None, Membership | None]:
    """Bind a member that registered again to its session: (rebound, expired).

    ``rebound`` is the session it is back in (it had left within the grace period);
    ``expired`` a session that ended because the grace period had passed.
    """
    current = membership(user_id, role)
    if current is None:
        return None, None
    member = db.session.get(LiveMember, (current.session_id, role))
    if member.left_at is None:
        return None, None
    if expire_if_overdue(current.session_id):
        return None, current
    member.left_at = None
    db.session.commit()
    return current, None


def expire_if_overdue(session_id: str, now: datetime | None = None) -> bool:
    """End the session if a member has been away longer than the grace period."""
    now = now or utcnow()
    overdue = db.session.scalar(
        db.select(LiveMember.role).filter(LiveMember.session_id == session_id,
                                          LiveMember.left_at.is_not(None),
                                          LiveMember.left_at <= now - grace()).limit(1))
    return overdue is not None and end_session(session_id)


def expire_overdue(now: datetime | None = None) -> list[tuple[str, list[str]]]:
    """End every session a member has been away from longer than the grace period; for each
    session this call ended, ``(session id, the members still there)``."""
    now = now or utcnow()
    overdue = list(db.session.scalars(
        db.select(LiveMember.session_id).filter(LiveMember.left_at.is_not(None),
                                                LiveMember.left_at <= now - grace()).distinct()))
    ended = []
    for session_id in overdue:
        present = list(db.session.scalars(db.select(LiveMember.user_id).filter(
            LiveMember.session_id == session_id, LiveMember.left_at.is_(None))))
        if end_session(session_id):
            ended.append((session_id, present))
    return ended
