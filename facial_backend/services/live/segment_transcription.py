"""Transcription of live-session audio segments by the built-in engine (``STT_SEGMENTS``);
the text is returned with the segment listing."""

from __future__ import annotations

from facial_backend.extensions import db
from facial_backend.models.live import LiveSegment
from facial_backend.models.stt_jobs import SttJob
from facial_backend.stt import jobs as stt_jobs
from facial_backend.stt.sources import SourceHooks

KIND = "segment"


def queue_transcription(segment: LiveSegment) -> None:
    """A new job for the segment's audio (a retry with new audio is transcribed again); it
    commits with the caller's transaction."""
    job = stt_jobs.enqueue(KIND, segment.id, segment.audio_key, segment.content_type, commit=False)
    segment.transcript_job_id = job.id
    segment.transcript_status = job.status  # queued, or skipped at once with no engine
    segment.transcript_text, segment.transcript_error = None, job.error


def _segment(job: SttJob) -> LiveSegment | None:
    segment = db.session.get(LiveSegment, job.source_id)
    # A job for audio that a retry has replaced since must not overwrite the newer transcript.
    return segment if segment is not None and segment.transcript_job_id == job.id else None


def _set(status: str):
    def hook(job: SttJob) -> None:
        if segment := _segment(job):
            segment.transcript_status = status
            if status == "done":
                segment.transcript_text = job.text
            if status in ("failed", "skipped"):
                segment.transcript_error = job.error
    return hook


HOOKS = SourceHooks(on_started=_set("processing"), on_done=_set("done"), on_failed=_set("failed"),
                    on_skipped=_set("skipped"))
