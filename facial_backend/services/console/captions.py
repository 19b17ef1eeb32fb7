"""Captions of a recording on the console's player: the export's WebVTT of its transcript,
offered only when the finished transcription holds segment times."""

from __future__ import annotations

from sqlalchemy import select

from facial_backend.errors import NotFound
from facial_backend.extensions import db
from facial_backend.models.stt_jobs import SttJob
from facial_backend.services.export.media import MediaItem
from facial_backend.services.export.transcripts import JOB_SOURCES, as_vtt, session_transcripts


def recording_captions(session_id: str, recording: MediaItem) -> str:
    """WebVTT of the recording's timed transcript; 404 when it has no segment times."""
    found = [t for t in session_transcripts(session_id, [recording])
             if t.kind == "recording" and t.id == recording.id and t.segments]
    if not found:
        raise NotFound(f"Recording {recording.id} has no timed transcript.", "captions_not_found")
    return as_vtt(found[0])


def recordings_with_captions(recording_ids: list[str]) -> set[str]:
    """Which of these recordings have a finished transcription with segment times."""
    if not recording_ids:
        return set()
    return set(db.session.scalars(
        select(SttJob.source_id).where(SttJob.source_kind == JOB_SOURCES["recording"],
                                       SttJob.source_id.in_(recording_ids), SttJob.status == "done",
                                       SttJob.segments.is_not(None))))
