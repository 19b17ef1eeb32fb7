"""The transcripts of a session's media (segments, recordings, testbed tasks) and their three
export forms: plain text, JSON with segment times, WebVTT.

Times come from the latest finished transcription job of each source; a transcript an outside
module sent without times has none (its VTT holds only a note saying so).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from facial_backend.extensions import db
from facial_backend.models.live import LiveSegment
from facial_backend.models.recordings import Recording
from facial_backend.models.stt_jobs import SttJob
from facial_backend.models.testbed import SttTask
from facial_backend.services.export.media import MediaItem

# The job source kind of each media kind (as the transcription hooks register them).
JOB_SOURCES = {"segment": "segment", "recording": "recording", "stt_task": "testbed_task"}


@dataclass(frozen=True)
class Transcript:
    kind: str
    id: str
    text: str
    language: str | None = None
    confidence: float | None = None
    engine: str | None = None
    duration: float | None = None
    segments: list[dict] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return f"{self.kind}-{self.id}"


def session_transcripts(session_id: str, media: Iterable[MediaItem]) -> list[Transcript]:
    """A transcript for every segment and recording of ``media`` that has one, and for every
    transcription task of the session that has a result (whatever audio it pointed at)."""
    by_kind: dict[str, list[str]] = {}
    for item in media:
        by_kind.setdefault(item.kind, []).append(item.id)
    found: list[Transcript] = []
    texts = [
        ("segment", db.select(LiveSegment.id, LiveSegment.transcript_text).where(
            LiveSegment.id.in_(by_kind.get("segment", [])), LiveSegment.transcript_text.is_not(None))),
        ("recording", db.select(Recording.id, Recording.transcript_text).where(
            Recording.id.in_(by_kind.get("recording", [])), Recording.transcript_text.is_not(None))),
        ("stt_task", db.select(SttTask.id, SttTask.transcript).where(
            SttTask.session_id == session_id, SttTask.transcript.is_not(None))
            .order_by(SttTask.created_at, SttTask.seq)),
    ]
    for kind, query in texts:
        rows = db.session.execute(query).all()
        jobs = _latest_done_jobs(JOB_SOURCES[kind], [row[0] for row in rows])
        found.extend(_transcript(kind, row_id, text, jobs.get(row_id)) for row_id, text in rows)
    return found


def _latest_done_jobs(source_kind: str | None, source_ids: list[str]) -> dict[str, SttJob]:
    if source_kind is None or not source_ids:
        return {}
    jobs = db.session.scalars(db.select(SttJob).where(
        SttJob.source_kind == source_kind, SttJob.source_id.in_(source_ids), SttJob.status == "done")
        .order_by(SttJob.finished_at, SttJob.created_at))
    return {job.source_id: job for job in jobs}  # later rows replace earlier ones


def _transcript(kind: str, source_id: str, text: str, job: SttJob | None) -> Transcript:
    if job is None:
        return Transcript(kind, source_id, text)
    segments = [{"start": float(s["start"]), "end": float(s["end"]), "text": str(s["text"])}
                for s in job.segments or []]
    return Transcript(kind, source_id, text, job.language, job.confidence, job.engine, job.duration, segments)


def as_text(transcript: Transcript) -> str:
    return transcript.text.rstrip("\n") + "\n"


def as_json(transcript: Transcript) -> str:
    document = {"source": {"kind": transcript.kind, "id": transcript.id}, "text": transcript.text,
                "language": transcript.language, "confidence": transcript.confidence,
                "engine": transcript.engine, "duration": transcript.duration, "segments": transcript.segments}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def as_vtt(transcript: Transcript) -> str:
    """WebVTT cues; cue text on one line with ``&``, ``<`` and ``>`` as character references, so
    that a transcript's text is never read as markup or as a cue timing arrow (``-->``)."""
    lines = ["WEBVTT", ""]
    if not transcript.segments:
        return "\n".join([*lines, "NOTE This transcript has no segment times.", ""])
    for number, segment in enumerate(transcript.segments, start=1):
        text = html.escape(" ".join(segment["text"].split()), quote=False)
        lines += [str(number), f"{_vtt_time(segment['start'])} --> {_vtt_time(segment['end'])}", text, ""]
    return "\n".join(lines)


def _vtt_time(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
