"""The testbed's notes, telemetry points and speech-to-text tasks.

Each hangs off a row of the shared ``sessions`` table and goes with it (``ON DELETE CASCADE``).
Integer keys give a stable creation order for equal timestamps; the public ids keep the
origin's prefixes (``note_``, ``tel_``, ``stt_``) with 96 random bits.
"""

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from facial_backend.extensions import db
from facial_backend.timeutil import UTCDateTime, utcnow

# A 64-bit key on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid).
BigKey = BigInteger().with_variant(Integer, "sqlite")
NOTE_TYPES = ("observation", "command", "system", "detail", "anomaly", "summary")
STT_STATUSES = ("pending", "processing", "done", "failed")


def _session_fk():
    return mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False)


class Note(db.Model):
    __tablename__ = "testbed_notes"
    __table_args__ = (Index("ix_testbed_notes_session_time", "session_id", "timestamp", "seq"),)

    seq: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    session_id: Mapped[str] = _session_fk()
    timestamp = mapped_column(UTCDateTime, nullable=False)
    speaker: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, nullable=False)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    tags = mapped_column(JSON, nullable=False, default=list)
    telemetry_snapshot = mapped_column(JSON)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class TelemetryPoint(db.Model):
    """One value of one channel. No index on ``id``: points are only read by channel and time.

    No foreign key either: checking it row by row tripled the cost of a batch on PostgreSQL.
    Ingestion takes a share lock on the session row once per batch instead, and deleting a
    session deletes its points (``services.testbed_sessions.delete_session``).
    """

    __tablename__ = "testbed_telemetry"
    __table_args__ = (
        Index("ix_testbed_telemetry_channel_time", "session_id", "channel", "timestamp", "seq"),
        Index("ix_testbed_telemetry_session_time", "session_id", "timestamp", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), nullable=False)
    session_id: Mapped[str] = mapped_column(String(64), nullable=False)
    timestamp = mapped_column(UTCDateTime, nullable=False)
    channel: Mapped[str] = mapped_column(String(200), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    unit: Mapped[str | None] = mapped_column(String(50))


class TelemetryChannel(db.Model):
    """The channels a session has points of, so listing them never scans the points."""

    __tablename__ = "testbed_telemetry_channels"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"),
                                            primary_key=True)
    channel: Mapped[str] = mapped_column(String(200), primary_key=True)


class SttTask(db.Model):
    """A transcription task. The audio it points at (a live-session segment, an iPhone
    recording or a stored object) lets the built-in worker take it; an external AI module
    only sends ``audio_chunk_id`` and PUTs the result."""

    __tablename__ = "testbed_stt_tasks"
    __table_args__ = (Index("ix_testbed_stt_tasks_session_created", "session_id", "created_at", "seq"),
                      Index("ix_testbed_stt_tasks_status", "status"))

    seq: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    session_id: Mapped[str] = _session_fk()
    audio_chunk_id: Mapped[str] = mapped_column(String(200), nullable=False)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    transcript: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    segment_id: Mapped[str | None] = mapped_column(String(64))
    recording_id: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(1024))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
