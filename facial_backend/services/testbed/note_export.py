"""A session's notes as Markdown or JSON (ISO ``Z`` times, the status as ``active``/``ended``,
telemetry snapshots as JSON; each note in JSON as the notes API answers it).

The JSON document carries every note under ``notes`` (v0.2) and the same notes grouped by type
under ``summary``, ``anomalies`` and ``detailed_notes`` (v0.3). The Markdown lists them under
"Notes" (v0.2), or under "Test Summary", "Anomalies" and "Detailed Notes" (v0.3).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from facial_backend.models.sessions import StudySession
from facial_backend.models.testbed import Note
from facial_backend.timeutil import isoformat_z, utcnow

# (JSON key, Markdown section, note types); the last group takes every other type.
GROUPS = (("summary", "Test Summary", ("summary",)), ("anomalies", "Anomalies", ("anomaly",)),
          ("detailed_notes", "Detailed Notes", None))


def grouped(notes: Sequence[Any], type_of) -> dict[str, list[Any]]:
    """``notes`` by group key, each group in the given order."""
    named = {kind for _, _, kinds in GROUPS if kinds for kind in kinds}
    return {key: [note for note in notes if (type_of(note) in kinds if kinds else type_of(note) not in named)]
            for key, _, kinds in GROUPS}


def export_json(session: StudySession, note_bodies: list[dict[str, Any]]) -> str:
    """``note_bodies``: the notes as the notes API answers them."""
    document = {"session_id": session.id, "session_name": session.name,
                "exported_at": isoformat_z(utcnow()), "notes": note_bodies,
                **grouped(note_bodies, lambda body: body["type"])}
    return json.dumps(document, indent=2, ensure_ascii=False)


def export_markdown(session: StudySession, notes: list[Note], *, by_type: bool = False) -> str:
    lines = [f"# {session.name or session.id}", "",
             f"**Session ID:** {session.id}",
             f"**Started:** {isoformat_z(session.started_at)}",
             f"**Status:** {session.status}"]
    if session.ended_at is not None:
        lines.append(f"**Ended:** {isoformat_z(session.ended_at)}")
    lines += ["", "---", ""]
    sections = [("Notes", notes)]
    if by_type:
        groups = grouped(notes, lambda note: note.type)
        sections = [(title, groups[key]) for key, title, _ in GROUPS]
    for title, members in sections:
        lines += [f"## {title}", ""]
        for note in members:
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
