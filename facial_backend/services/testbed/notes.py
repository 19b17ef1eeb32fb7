"""Notes of a session (with the v0.3 append), and their live events.

Notes on an ended session are refused unless the caller says ``allow_ended`` (an operator's
correction after the fact). Events go out after the commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from facial_backend.errors import NotFound
from facial_backend.extensions import db
from facial_backend.ids import new_id
from facial_backend.models.testbed import Note
from facial_backend.realtime import event_bodies, events
from facial_backend.services.testbed.sessions import get_session, require_open
from facial_backend.timeutil import utcnow

DEFAULT_NOTE_TYPES = {"0.2": "observation", "0.3": "detail"}


def api_version() -> str:
    """``0.2`` or ``0.3`` (TESTBED_API_VERSION): both versions' note types are always accepted."""
    return current_app.config["TESTBED_API_VERSION"]


def default_note_type() -> str:
    return DEFAULT_NOTE_TYPES[api_version()]


def _writable(session_id: str, allow_ended: bool) -> None:
    require_open(session_id, "its notes can only be changed with allow_ended=true",
                 allow_ended=allow_ended)


def create_note(session_id: str, fields: dict[str, Any], allow_ended: bool = False) -> Note:
    _writable(session_id, allow_ended)
    now = utcnow()
    note = Note(id=new_id("note_"), session_id=session_id, timestamp=fields["timestamp"],
                speaker=fields.get("speaker"), content=fields["content"],
                type=fields.get("type") or default_note_type(),
                tags=list(fields.get("tags") or []), telemetry_snapshot=fields.get("telemetry_snapshot"),
                created_at=now, updated_at=now)
    db.session.add(note)
    db.session.commit()
    events.publish(session_id, "note.created", event_bodies.note(note))
    return note


def list_notes(session_id: str, speaker: str | None = None, note_type: str | None = None,
               start: datetime | None = None, end: datetime | None = None) -> list[Note]:
    """Oldest first; equal timestamps in creation order; ``start``/``end`` inclusive."""
    get_session(session_id)
    query = db.select(Note).filter_by(session_id=session_id)
    if speaker is not None:
        query = query.filter_by(speaker=speaker)
    if note_type is not None:
        query = query.filter_by(type=note_type)
    if start is not None:
        query = query.where(Note.timestamp >= start)
    if end is not None:
        query = query.where(Note.timestamp <= end)
    return list(db.session.scalars(query.order_by(Note.timestamp, Note.seq)))


def get_note(session_id: str, note_id: str) -> Note:
    get_session(session_id)
    note = db.session.scalar(db.select(Note).filter_by(id=note_id, session_id=session_id))
    if note is None:
        raise NotFound(f"Note {note_id} not found in session {session_id}", "note_not_found")
    return note


def update_note(session_id: str, note_id: str, changes: dict[str, Any], allow_ended: bool = False) -> Note:
    """Replace the fields given (``null`` or absent keeps the old value)."""
    _writable(session_id, allow_ended)
    note = get_note(session_id, note_id)
    for name in ("content", "speaker", "type", "tags"):
        if changes.get(name) is not None:
            setattr(note, name, list(changes[name]) if name == "tags" else changes[name])
    note.updated_at = utcnow()
    db.session.commit()
    events.publish(session_id, "note.updated", event_bodies.note(note))
    return note


def append_to_note(session_id: str, note_id: str, text: str, at: datetime | None,
                   telemetry_snapshot: dict | None, allow_ended: bool = False) -> Note:
    """Add a line ``[HH:MM:SS] text`` (UTC time of ``at``, default now); a snapshot given
    replaces the note's."""
    _writable(session_id, allow_ended)
    note = get_note(session_id, note_id)
    now = utcnow()
    note.content = f"{note.content}\n[{(at or now).strftime('%H:%M:%S')}] {text}"
    if telemetry_snapshot is not None:
        note.telemetry_snapshot = telemetry_snapshot
    note.updated_at = now
    db.session.commit()
    events.publish(session_id, "note.appended", event_bodies.note(note))
    return note


def delete_note(session_id: str, note_id: str, allow_ended: bool = False) -> None:
    _writable(session_id, allow_ended)
    note = get_note(session_id, note_id)
    db.session.delete(note)
    db.session.commit()
    events.publish(session_id, "note.deleted", {"id": note_id})

