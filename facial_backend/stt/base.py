"""What every engine is: a ``name`` and ``transcribe`` returning a ``Transcript`` (or raising
one of ``stt.errors``), calling ``on_segment`` for each piece of text as it is produced."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from facial_backend.stt.result import Segment, Transcript

SegmentCallback = Callable[[Segment], None]


class Engine(Protocol):
    name: str

    def transcribe(self, data: bytes, *, filename: str = "audio", content_type: str | None = None,
                   on_segment: SegmentCallback | None = None) -> Transcript: ...

    def describe(self) -> str:
        """One line for people: what runs, and from where."""
