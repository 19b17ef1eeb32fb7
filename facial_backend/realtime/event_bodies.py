"""The bodies of live events about testbed objects and live segments: the HTTP API's response
schemas, so an event carries exactly what the matching route answers."""

from __future__ import annotations

from typing import Any

from facial_backend.schemas.live import SegmentInfoSchema
from facial_backend.schemas.testbed import TestbedNoteSchema, TestbedSessionSchema, TestbedSttTaskSchema

_NOTE = TestbedNoteSchema()
_SEGMENT = SegmentInfoSchema()
_SESSION = TestbedSessionSchema()
_TASK = TestbedSttTaskSchema()


def note(value: Any) -> dict[str, Any]:
    return _NOTE.dump(value)


def session(value: Any) -> dict[str, Any]:
    """A session with its ``note_count``."""
    return _SESSION.dump(value)


def stt_task(value: Any) -> dict[str, Any]:
    return _TASK.dump(value)


def segment(value: Any) -> dict[str, Any]:
    """A live segment as the segments list shows it."""
    return _SEGMENT.dump(value)
