"""WebVTT captions of a recording from the segment times its finished transcription holds."""

from __future__ import annotations

from sqlalchemy import select

from facial_backend.errors import NotFound
from facial_backend.extensions import db
from facial_backend.models.stt_jobs import SttJob
from facial_backend.services.recordings.transcription import KIND as RECORDING_SOURCE


def recording_captions(recording_id: str) -> str:
    """The captions of the newest finished transcription with segments; 404 without one."""
    segments = db.session.scalar(
        select(SttJob.segments).where(SttJob.source_kind == RECORDING_SOURCE, SttJob.source_id == recording_id,
                                      SttJob.status == "done", SttJob.segments.is_not(None))
        .order_by(SttJob.finished_at.desc()).limit(1))
    cues = [cue for cue in (segments or []) if isinstance(cue, dict) and cue.get("text")]
    if not cues:
        raise NotFound(f"Recording {recording_id} has no timed transcript.", "captions_not_found")
    lines = ["WEBVTT", ""]
    for number, cue in enumerate(cues, 1):
        lines += [str(number), f"{_timestamp(cue.get('start'))} --> {_timestamp(cue.get('end'))}",
                  _cue_text(str(cue["text"])), ""]
    return "\n".join(lines)


def recordings_with_captions(recording_ids: list[str]) -> set[str]:
    """Which of these recordings have a finished transcription with segment times."""
    if not recording_ids:
        return set()
    return set(db.session.scalars(
        select(SttJob.source_id).where(SttJob.source_kind == RECORDING_SOURCE, SttJob.source_id.in_(recording_ids),
                                       SttJob.status == "done", SttJob.segments.is_not(None))))


def _timestamp(seconds: object) -> str:
    total = max(0.0, float(seconds)) if isinstance(seconds, (int, float)) else 0.0
    millis = round(total * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _cue_text(text: str) -> str:
    """Cue text may not hold "-->" or a blank line; ``&`` and ``<`` are escaped."""
    flat = " ".join(text.replace("-->", "→").split())
    return flat.replace("&", "&amp;").replace("<", "&lt;")
