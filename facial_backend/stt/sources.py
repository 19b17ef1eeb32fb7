"""Source kinds: what owns a job (a recording, a segment, a testbed task, a file) and the hooks
that let it follow its jobs. Each app registers its kinds explicitly (``stt.init_app``); a job
of a kind the app did not register is refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from facial_backend.models.stt_jobs import SttJob
from facial_backend.stt.result import Segment

JobHook = Callable[[SttJob], None]
SegmentHook = Callable[[SttJob, Segment], None]

EXTENSION = "stt_sources"
FILE_KIND = "file"


@dataclass(frozen=True)
class SourceHooks:
    """What a source kind does when one of its jobs changes state (each hook optional).

    ``on_started(job)``: a worker took the job (each attempt). ``on_done(job)``: the result
    fields (text, language, confidence, segments, engine) are set. ``on_failed(job)``: ended
    ``failed``, ``job.error`` says why. ``on_skipped(job)``: no engine, ``job.error`` says so.
    ``on_segment(job, segment)``: a piece of text is ready while the job runs (outside the
    job's transactions: commit what it writes itself).
    """

    on_started: JobHook | None = None
    on_done: JobHook | None = None
    on_failed: JobHook | None = None
    on_skipped: JobHook | None = None
    on_segment: SegmentHook | None = None


NO_HOOKS = SourceHooks()


def register_source(app: Flask, kind: str, hooks: SourceHooks = NO_HOOKS) -> None:
    """Declare a source kind of ``app`` and its hooks (again for the same kind: replaces them)."""
    app.extensions.setdefault(EXTENSION, {})[kind] = hooks


def is_registered(kind: str) -> bool:
    return kind in current_app.extensions.get(EXTENSION, {})


def source_hooks(kind: str) -> SourceHooks:
    """The hooks of ``kind`` in the current app (none for an unknown kind)."""
    return current_app.extensions.get(EXTENSION, {}).get(kind, NO_HOOKS)
