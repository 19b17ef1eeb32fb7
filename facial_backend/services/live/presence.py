"""Who is online for the evaluator's client picker: clients registered over
Socket.IO in any process, plus MQTT clients whose HTTP presence is fresher than PRESENCE_TTL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from facial_backend.constants.live import PACKAGES
from facial_backend.errors import BadRequest
from facial_backend.extensions import db
from facial_backend.models.live import LiveConnection, LiveMember, LivePresence
from facial_backend.models.users import User
from facial_backend.services.shared.users import get_by_username
from facial_backend.timeutil import utcnow


def report_presence(user_id: str | None, package: str | None) -> None:
    if not user_id or not package:
        raise BadRequest("userId and package required", "presence_fields_required")
    user = get_by_username(user_id)
    if user is None or user.role != "client":
        raise BadRequest("Invalid client", "invalid_client")
    package = package.lower()
    if package not in PACKAGES:
        raise BadRequest("Invalid package", "invalid_package")
    try:
        _save_presence(user_id, package)
    except IntegrityError:  # a concurrent first report won the insert: update that one
        db.session.rollback()
        _save_presence(user_id, package)


def _save_presence(user_id: str, package: str) -> None:
    row = db.session.get(LivePresence, user_id)
    if row is None:
        db.session.add(LivePresence(user_id=user_id, package=package, last_seen=utcnow()))
    else:
        row.package, row.last_seen = package, utcnow()
    db.session.commit()


def online_client_ids(package: str | None = None) -> list[str]:
    """Clients with a registered socket (of ``package``), oldest connection first."""
    query = db.select(LiveConnection.user_id).filter_by(role="client")
    if package is not None:
        query = query.filter_by(package=package)
    return list(db.session.scalars(
        query.group_by(LiveConnection.user_id).order_by(db.func.min(LiveConnection.connected_at))))


@dataclass(frozen=True)
class OnlineClient:
    id: str
    name: str
    in_session: bool


def list_clients(package: str) -> list[OnlineClient]:
    """Each online client once: sockets first (oldest first), then fresh HTTP presences."""
    ids = online_client_ids(package)
    cutoff = utcnow() - timedelta(seconds=current_app.config["PRESENCE_TTL"])
    present = db.session.scalars(
        db.select(LivePresence.user_id).join(User, User.username == LivePresence.user_id)
        .filter(LivePresence.package == package, LivePresence.last_seen >= cutoff,
                User.role == "client").order_by(LivePresence.last_seen))
    ids += [user_id for user_id in present if user_id not in ids]
    names = dict(db.session.execute(
        db.select(User.username, User.name).filter(User.username.in_(ids))).all()) if ids else {}
    busy = set(db.session.scalars(
        db.select(LiveMember.user_id).filter(LiveMember.role == "client",
                                             LiveMember.user_id.in_(ids)))) if ids else set()
    return [OnlineClient(user_id, names.get(user_id, user_id), user_id in busy) for user_id in ids]


def add_connection(sid: str, user_id: str, role: str, package: str, worker: str) -> None:
    """Record (or re-record) a registered socket of this process."""
    row = db.session.get(LiveConnection, sid)
    if row is None:
        db.session.add(LiveConnection(sid=sid, user_id=user_id, role=role, package=package,
                                      worker=worker, connected_at=utcnow()))
    else:
        row.user_id, row.role, row.package = user_id, role, package
    db.session.commit()


def remove_connection(sid: str) -> None:
    db.session.execute(db.delete(LiveConnection).filter_by(sid=sid))
    db.session.commit()
