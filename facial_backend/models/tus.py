"""Resumable uploads of the tus protocol (``/files/``): how far each has come and where it ends."""

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from facial_backend.extensions import db
from facial_backend.timeutil import UTCDateTime, utcnow

TUS_TARGETS = ("video", "recording")
TUS_STATUSES = ("receiving", "complete")


class TusUpload(db.Model):
    """One tus upload. ``offset`` counts only bytes that are on disk and acknowledged; once it
    reaches ``length`` the file becomes a recording-app video or an iPhone recording."""

    __tablename__ = "tus_uploads"
    __table_args__ = (Index("ix_tus_uploads_status_expires_at", "status", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    target: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="receiving")
    length: Mapped[int | None] = mapped_column(BigInteger)  # None while deferred
    offset: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    metadata_header: Mapped[str | None] = mapped_column(Text)
    metadata_json = mapped_column(JSON)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    video_id: Mapped[str | None] = mapped_column(String(128))
    file_extension: Mapped[str | None] = mapped_column(String(16))
    recording_id: Mapped[str | None] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"))
    owner_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    staging_host: Mapped[str | None] = mapped_column(String(32))  # the DATA_DIR with its staged bytes
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    completed_at = mapped_column(UTCDateTime)
