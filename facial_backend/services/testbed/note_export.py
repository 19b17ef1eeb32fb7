"""A session's notes as Markdown or JSON (ISO ``Z`` times, the status as ``active``/``ended``,
telemetry snapshots as JSON; each note in JSON as the notes API answers it)."""

from __future__ import annotations

import json
from typing import Any

from facial_backend.models.sessions import StudySession
from facial_backend.models.testbed import Note
from facial_backend.timeutil import isoformat_z, utcnow


def export_json(session: StudySession, note_bodies: list[dict[str, Any]]) -> str:
    """``note_bodies``: the notes as the notes API answers them."""
    document = {"session_id": session.id, "session_name": session.name,
                "exported_at": isoformat_z(utcnow()), "notes": note_bodies}
    return json.dumps(document, indent=2, ensure_ascii=False)


def export_markdown(session: StudySession, notes: list[Note]) -> str:
    lines = [f"# {session.name or session.id}", "",
             f"**Session ID:** {session.id}",
             f"**Started:** {isoformat_z(session.started_at)}",
             f"**Status:** {session.status}"]
    if session.ended_at is not None:
        lines.append(f"**Ended:** {isoformat_z(session.ended_at)}")
    lines += ["", "---", "", "## Notes", ""]
    for note in notes:
        lines += _note_lines(note)
    return "\n".join(lines)


def _note_lines(note: Note) -> list[str]:
    lines = [f"### [{note.timestamp.strftime('%H:%M:%S')}] {note.speaker or 'Unknown'}", "",
             note.content, ""]
    if note.telemetry_snapshot:
        lines += [f"**Telemetry:** {_compact(note.telemetry_snapshot)}", ""]
    if note.tags:
        lines += [f"*Tags: {', '.join(note.tags)}*", ""]
    return lines + ["---", ""]


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
