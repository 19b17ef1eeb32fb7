"""The access audit: one call records who did what to which session or user, when and from
where; admins read it back with filters. Nothing here changes or removes a record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, has_app_context

from facial_backend.errors import validation_error
from facial_backend.extensions import db
from facial_backend.models.audit import AUDIT_ACTIONS, AUDIT_CHANNELS, AuditEvent
from facial_backend.models.users import User

MAX_LIST = 1000


def record(action: str, *, actor: User | None, address: str | None, channel: str = "api",
           session_id: str | None = None, target_kind: str | None = None,
           target_id: str | None = None, details: dict[str, Any] | None = None,
           request_id: str | None = None) -> AuditEvent:
    """Store one event and commit it (with whatever the caller already changed).

    ``actor`` is copied into the row, so the record keeps naming them after they are renamed
    or deleted; ``request_id`` defaults to the current request's.
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {AUDIT_ACTIONS}")
    if channel not in AUDIT_CHANNELS:
        raise ValueError(f"unknown audit channel {channel!r}; one of {AUDIT_CHANNELS}")
    if request_id is None and has_app_context():
        request_id = g.get("request_id")
    event = AuditEvent(
        action=action, channel=channel, remote_addr=(address or None) and address[:64],
        actor_id=actor.id if actor else None, actor_username=actor.username if actor else None,
        actor_role=actor.role if actor else None, session_id=session_id,
        target_kind=target_kind, target_id=None if target_id is None else str(target_id)[:128],
        request_id=request_id, details=details)
    db.session.add(event)
    db.session.commit()
    return event


def list_events(*, person: str | None = None, session_id: str | None = None,
                action: str | None = None, since: datetime | None = None,
                until: datetime | None = None, before_id: int | None = None,
                limit: int = 100) -> list[AuditEvent]:
    """Events newest first. ``person`` matches the actor's username or user id; ``before_id``
    pages on (the id of the last event of the previous page)."""
    if action is not None and action not in AUDIT_ACTIONS:
        raise validation_error({"action": [f"Must be one of: {', '.join(AUDIT_ACTIONS)}."]},
                               location="query")
    if not 1 <= limit <= MAX_LIST:
        raise validation_error({"limit": [f"Must be between 1 and {MAX_LIST}."]}, location="query")
    query = db.select(AuditEvent)
    if person:
        query = query.where(db.or_(AuditEvent.actor_username == person, AuditEvent.actor_id == person))
    if session_id:
        query = query.where(AuditEvent.session_id == session_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))

