"""Transcription of iPhone recordings by the built-in engine:
``uploaded -> processing -> transcribed | failed``, through a job of the STT worker."""

from __future__ import annotations

from facial_backend.errors import ApiError, Conflict
from facial_backend.extensions import db
from facial_backend.models.recordings import Recording
from facial_backend.models.stt_jobs import SttJob
from facial_backend.services.recordings.status import set_status
from facial_backend.stt import jobs as stt_jobs
from facial_backend.stt.sources import SourceHooks
from facial_backend.timeutil import utcnow

KIND = "recording"
TRANSCRIBABLE = ("uploaded", "transcribed", "failed")


def queue_transcription(recording: Recording) -> SttJob:
    """Queue a job for the recording's file; it commits with the caller's transaction."""
    return stt_jobs.enqueue(KIND, recording.id, recording.storage_key, recording.mime_type, commit=False)


def transcribe_again(recording: Recording) -> SttJob:
    """A new job on request (owner or admin); one that is queued or running is returned as is."""
    running = db.session.scalar(
        db.select(SttJob).filter(SttJob.source_kind == KIND, SttJob.source_id == recording.id,
                                 SttJob.status.in_(("queued", "processing"))))
    if running is not None:
        return running
    if recording.status not in TRANSCRIBABLE:
        raise Conflict(f"Recording cannot be transcribed in status {recording.status}", "not_transcribable")
    if not stt_jobs.transcription_enabled():
        raise ApiError(409, "transcription_disabled", "Transcription is disabled on this server (STT_ENGINE).")
    job = queue_transcription(recording)
    db.session.commit()
    return job


def _recording(job: SttJob) -> Recording | None:
    recording = db.session.get(Recording, job.source_id)
    return None if recording is None or recording.is_deleted else recording


def _started(job: SttJob) -> None:
    if recording := _recording(job):
        set_status(recording, "processing")
        recording.processing_started_at = utcnow()
        recording.processing_completed_at = None
        recording.processing_error = None


def _done(job: SttJob) -> None:
    if recording := _recording(job):
        set_status(recording, "transcribed")
        recording.transcript_text = job.text
        recording.transcript_confidence = job.confidence
        recording.transcript_language = job.language
        recording.transcription_service = job.engine
        recording.processing_completed_at = utcnow()


def _failed(job: SttJob) -> None:
    if recording := _recording(job):
        set_status(recording, "failed")
        recording.processing_error = job.error
        recording.processing_completed_at = utcnow()


HOOKS = SourceHooks(on_started=_started, on_done=_done, on_failed=_failed)
