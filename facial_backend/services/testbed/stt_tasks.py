"""Speech-to-text tasks of a session with a real state machine.

``pending -> processing -> done | failed`` and ``failed -> pending`` (a retry). An external AI
module that goes straight from ``pending`` to ``done``/``failed``, as the origin's does, keeps
working; a repeated identical update is answered as it was; anything else is a 409. Fields left
out of an update are kept (the origin wiped them); a retry clears the old error.

A task that points at stored audio (a segment, a recording, or a file uploaded with it) is
transcribed by the built-in worker when an engine is configured; without one it waits for an
outside module's PUT, as before.
"""

from __future__ import annotations

import time
from typing import IO, Any

from flask import current_app

from facial_backend.errors import ApiError, Conflict, NotFound
from facial_backend.extensions import db, get_storage
from facial_backend.ids import new_id
from facial_backend.models.live import LiveSegment
from facial_backend.models.recordings import Recording
from facial_backend.models.stt_jobs import SttJob
from facial_backend.models.testbed import SttTask
from facial_backend.models.users import User
from facial_backend.realtime import event_bodies, events
from facial_backend.services.recordings.keys import extension_for
from facial_backend.services.testbed.sessions import get_session
from facial_backend.stt import jobs as stt_jobs
from facial_backend.stt.result import Segment
from facial_backend.stt.sources import SourceHooks
from facial_backend.timeutil import utcnow

JOB_KIND = "testbed_task"
FINISHED = ("done", "failed")
POLL_SECONDS = 0.1
# The text of each job transcribing in this process so far (its segments come in order, here).
_spoken_so_far: dict[str, str] = {}

TRANSITIONS = {
    "pending": {"processing", "done", "failed"},
    "processing": {"done", "failed"},
    "failed": {"pending"},
    "done": set(),
}


def create_task(session_id: str, fields: dict[str, Any], user: User | None = None) -> SttTask:
    """A pending task; accepted on an ended session too (its last audio is still processed)."""
    get_session(session_id)
    audio = _audio_of(session_id, fields, user)
    now = utcnow()
    task = SttTask(id=fields.get("id") or new_id("stt_"), session_id=session_id,
                   audio_chunk_id=fields["audio_chunk_id"], duration_seconds=fields.get("duration_seconds"),
                   status="pending", segment_id=fields.get("segment_id"),
                   recording_id=fields.get("recording_id"), storage_key=fields.get("storage_key"),
                   created_at=now, updated_at=now)
    db.session.add(task)
    if audio is not None and stt_jobs.transcription_enabled():
        task.storage_key = audio[0]
        stt_jobs.enqueue(JOB_KIND, task.id, *audio, commit=False)
    db.session.commit()
    events.publish(session_id, "stt.task.created", event_bodies.stt_task(task))
    return task


def create_uploaded_task(session_id: str, audio: IO[bytes], filename: str, content_type: str,
                         user: User | None = None, *, audio_chunk_id: str | None = None,
                         duration_seconds: float | None = None) -> SttTask:
    """``POST /stt/upload`` (testbed v0.3): store the audio and transcribe it with the built-in
    engine; ``transcript.chunk.ready`` events carry the text as it comes, then ``stt.task.done``.
    The task is named by ``audio_chunk_id`` (else the file name)."""
    get_session(session_id)
    if not stt_jobs.transcription_enabled():
        raise ApiError(409, "transcription_disabled", "Transcription is disabled on this server (STT_ENGINE).")
    task_id = new_id("stt_")
    key = f"testbed/{session_id}/stt/{task_id}.{extension_for(content_type)}"
    get_storage().put_stream(key, audio, content_type, max_bytes=current_app.config["RECORDING_MAX_BYTES"])
    try:
        return create_task(session_id, {"id": task_id, "audio_chunk_id": audio_chunk_id or filename or task_id,
                                        "duration_seconds": duration_seconds, "storage_key": key}, user)
    except BaseException:
        get_storage().delete(key)
        raise


def _audio_of(session_id: str, fields: dict[str, Any], user: User | None) -> tuple[str, str | None] | None:
    """(storage key, content type) of the audio a new task points at, if any: a key the server
    stored, a segment of its own session, or a recording of the caller (any recording for
    admins and operators). An unknown or foreign segment or recording is a 404."""
    if fields.get("storage_key"):
        return fields["storage_key"], None
    audio = None
    if (recording_id := fields.get("recording_id")) is not None:
        recording = db.session.get(Recording, recording_id)
        allowed = user is not None and (user.role in ("admin", "operator") or (
            recording is not None and recording.recorded_by_user_id == user.id))
        if recording is None or recording.is_deleted or not allowed:
            raise NotFound(f"Recording {recording_id} not found", "recording_not_found")
        audio = recording.storage_key, recording.mime_type
    if (segment_id := fields.get("segment_id")) is not None:
        segment = db.session.get(LiveSegment, segment_id)
        if segment is None or segment.session_id != session_id:
            raise NotFound(f"Segment {segment_id} not found in session {session_id}", "segment_not_found")
        if segment.audio_key:
            audio = segment.audio_key, segment.content_type
    return audio


def list_tasks(session_id: str) -> list[SttTask]:
    get_session(session_id)
    return list(db.session.scalars(db.select(SttTask).filter_by(session_id=session_id)
                                   .order_by(SttTask.created_at.desc(), SttTask.seq.desc())))


def get_task(session_id: str, task_id: str, *, for_update: bool = False) -> SttTask:
    get_session(session_id)
    query = db.select(SttTask).filter_by(id=task_id, session_id=session_id)
    task = db.session.scalar(query.with_for_update() if for_update else query)
    if task is None:
        raise NotFound(f"STT task {task_id} not found", "stt_task_not_found")
    return task


def update_task(session_id: str, task_id: str, changes: dict[str, Any]) -> SttTask:
    task = get_task(session_id, task_id, for_update=True)
    status = changes["status"]
    if _is_repeat(task, changes):
        db.session.rollback()
        return task
    if status not in TRANSITIONS[task.status]:
        db.session.rollback()
        raise Conflict(f"STT task {task_id} cannot go from {task.status} to {status}",
                       "invalid_transition", current_status=task.status)
    if status == "pending":
        task.error = None
    for name in ("transcript", "error"):
        if changes.get(name) is not None:
            setattr(task, name, changes[name])
    task.status = status
    task.updated_at = utcnow()
    db.session.commit()
    _announce(task)
    return task


def _is_repeat(task: SttTask, changes: dict[str, Any]) -> bool:
    return task.status == changes["status"] and all(
        changes.get(name) is None or changes[name] == getattr(task, name)
        for name in ("transcript", "error"))


def _announce(task: SttTask) -> None:
    if task.status == "done":
        events.publish(task.session_id, "stt.task.done", event_bodies.stt_task(task))
    elif task.status == "failed":
        events.publish(task.session_id, "error.occurred",
                       {"message": task.error or "STT transcription failed", "source": "stt",
                        "task_id": task.id})


def _job_task(job: SttJob, *allowed_from: str) -> SttTask | None:
    """The job's task, if it may still move (an outside module may have PUT a result first)."""
    task = db.session.scalar(db.select(SttTask).filter_by(id=job.source_id))
    return task if task is not None and task.status in allowed_from else None


def _job_started(job: SttJob) -> None:
    _spoken_so_far.pop(job.id, None)  # a retried job starts its text again
    if task := _job_task(job, "pending", "failed"):
        task.status, task.error, task.updated_at = "processing", None, utcnow()


def _job_ended(status: str):
    def hook(job: SttJob) -> None:
        _spoken_so_far.pop(job.id, None)
        if task := _job_task(job, "pending", "processing"):
            task.status, task.updated_at = status, utcnow()
            if status == "done":
                task.transcript = job.text
            else:
                task.error = job.error
            _announce(task)
    return hook


def wait_until_finished(task: SttTask, seconds: float) -> SttTask:
    """The task once done or failed, or as it is after ``seconds`` (looked at every 0.1 s)."""
    deadline = time.monotonic() + seconds
    while task.status not in FINISHED and time.monotonic() < deadline:
        time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
        db.session.commit()  # a new transaction sees the worker's commits
        db.session.refresh(task)
    return task


def _job_segment(job: SttJob, segment: Segment) -> None:
    """``transcript.chunk.ready``: the new text (``delta``) and the task's text so far
    (``transcript``), as the testbed frontend reads them, beside ``task_id``/``text``/times."""
    row = db.session.execute(db.select(SttTask.session_id, SttTask.audio_chunk_id).filter_by(
        id=job.source_id)).first()
    if row is None:
        return
    spoken = _spoken_so_far[job.id] = " ".join(filter(None, (_spoken_so_far.get(job.id), segment.text.strip())))
    events.publish(row.session_id, "transcript.chunk.ready",
                   {"id": job.source_id, "audio_chunk_id": row.audio_chunk_id, "delta": segment.text,
                    "transcript": spoken, "is_final": False, "task_id": job.source_id,
                    "text": segment.text, "start": segment.start, "end": segment.end})


JOB_HOOKS = SourceHooks(on_started=_job_started, on_done=_job_ended("done"),
                        on_failed=_job_ended("failed"), on_segment=_job_segment)
