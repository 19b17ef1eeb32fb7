"""Live sessions of the evaluator/client apps (seeds 000/002): audio segments, HTTP presence,
the Socket.IO connections of every process, and the members a live session is waiting for.

The session itself is a row of the shared ``sessions`` table (``kind="live"``).
"""

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from facial_backend.extensions import db
from facial_backend.timeutil import UTCDateTime, utcnow


class LiveSegment(db.Model):
    """One audio segment per (session, evaluator, client, image); a retry overwrites it.

    Missing ids are stored as ``""`` so the unique key also holds for them (NULLs never clash).
    """

    __tablename__ = "live_segments"
    __table_args__ = (
        UniqueConstraint("session_id", "evaluator_id", "client_id", "image_index",
                         name="uq_live_segments_key"),
        Index("ix_live_segments_evaluator_received", "evaluator_id", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    evaluator_id: Mapped[str] = mapped_column(String(128), nullable=False)
    client_id: Mapped[str] = mapped_column(String(128), nullable=False)
    image_index: Mapped[int] = mapped_column(Integer, nullable=False)
    signed_url: Mapped[str | None] = mapped_column(Text)
    audio_key: Mapped[str | None] = mapped_column(String(512))
    audio_size: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(64))
    # Built-in transcription (STT_SEGMENTS): queued, processing, done, failed or skipped.
    transcript_status: Mapped[str | None] = mapped_column(String(16))
    transcript_job_id: Mapped[str | None] = mapped_column(String(32))
    transcript_text: Mapped[str | None] = mapped_column(Text)
    transcript_error: Mapped[str | None] = mapped_column(Text)
    received_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class LivePresence(db.Model):
    """HTTP presence (``POST /api/presence``) of clients that are not on Socket.IO (MQTT)."""

    __tablename__ = "live_presence"

    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    package: Mapped[str] = mapped_column(String(16), nullable=False)
    last_seen = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class LiveConnection(db.Model):
    """A registered Socket.IO connection, whichever process holds it."""

    __tablename__ = "live_connections"
    __table_args__ = (Index("ix_live_connections_user_role", "user_id", "role"),)

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    package: Mapped[str] = mapped_column(String(16), nullable=False)
    worker: Mapped[str] = mapped_column(String(128), nullable=False)
    connected_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class LiveMember(db.Model):
    """A member of an active live session; ``left_at`` is set while it is away (grace period)."""

    __tablename__ = "live_members"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    left_at = mapped_column(UTCDateTime)


class LiveProcess(db.Model):
    """A web process holding live sockets; it refreshes ``beat_at`` while it lives."""

    __tablename__ = "live_processes"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    beat_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
