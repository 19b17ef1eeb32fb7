"""Transcription jobs: one row per piece of stored audio to transcribe, claimed by workers."""

from sqlalchemy import JSON, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from facial_backend.extensions import db
from facial_backend.ids import new_id
from facial_backend.timeutil import UTCDateTime, utcnow

STT_JOB_STATUSES = ("queued", "processing", "done", "failed", "skipped")


class SttJob(db.Model):
    """``source_kind``/``source_id`` name what the audio belongs to (a recording, a segment,
    a testbed task, or ``file`` for the CLI); the source's hooks keep its own rows in step.

    A ``processing`` job belongs to ``lease_owner`` until ``lease_expires_at``; after that any
    worker may take it again. ``attempts`` counts the claims.
    """

    __tablename__ = "stt_jobs"
    __table_args__ = (
        Index("ix_stt_jobs_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_stt_jobs_source", "source_kind", "source_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("stt_"))
    source_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    source_id: Mapped[str] = mapped_column(String(128), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(1024), nullable=False)
    content_type: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float | None] = mapped_column(Float)
    duration: Mapped[float | None] = mapped_column(Float)
    segments = mapped_column(JSON)
    engine: Mapped[str | None] = mapped_column(String(32))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    started_at = mapped_column(UTCDateTime)
    finished_at = mapped_column(UTCDateTime)
