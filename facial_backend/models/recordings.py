"""Audio recordings of the iPhone app, uploaded straight to storage with a
presigned POST, and the history of their status changes."""

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facial_backend.extensions import db
from facial_backend.ids import new_uuid
from facial_backend.timeutil import UTCDateTime, utcnow

# uploading -> uploaded -> processing -> transcribed | failed; any of them -> deleted.
RECORDING_STATUSES = ("uploading", "uploaded", "processing", "transcribed", "failed", "deleted")
RECORDING_TYPES = ("visit_audio", "visit_note", "appointment_memo", "follow_up")


class Recording(db.Model):
    """One recording. ``appointment_id``/``visit_id`` are opaque references (uuid strings):
    the appointments and visits live in another system."""

    __tablename__ = "recordings"
    __table_args__ = (
        Index("ix_recordings_owner_created", "recorded_by_user_id", "created_at"),
        Index("ix_recordings_deleted_at", "deleted_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    appointment_id: Mapped[str | None] = mapped_column(String(36), index=True)
    visit_id: Mapped[str | None] = mapped_column(String(36), index=True)
    recorded_by_user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                     nullable=False)
    recording_type: Mapped[str] = mapped_column(String(32), nullable=False, default="visit_audio")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="uploading")
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    original_filename: Mapped[str | None] = mapped_column(String(255))
    file_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    mime_type: Mapped[str] = mapped_column(String(100), nullable=False)
    # Where the file is: the store's bucket ("local" for the local backend) and the key.
    storage_bucket: Mapped[str] = mapped_column(String(100), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(1024), nullable=False, unique=True)
    recording_metadata = mapped_column(JSON)
    # The object's ETag when the upload was completed: a later replacement is detected by it.
    storage_etag: Mapped[str | None] = mapped_column(String(128))

    # Filled by the transcription worker.
    transcript_text: Mapped[str | None] = mapped_column(Text)
    transcript_confidence: Mapped[float | None] = mapped_column(Float)
    transcript_language: Mapped[str | None] = mapped_column(String(10))
    transcription_service: Mapped[str | None] = mapped_column(String(50))
    processing_started_at = mapped_column(UTCDateTime)
    processing_completed_at = mapped_column(UTCDateTime)
    processing_error: Mapped[str | None] = mapped_column(Text)

    deleted_at = mapped_column(UTCDateTime)  # set by the soft delete
    deleted_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When `flask recordings purge` removed the file of a deleted recording from storage.
    purged_at = mapped_column(UTCDateTime)

    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    uploaded_at = mapped_column(UTCDateTime)

    status_changes = relationship("RecordingStatusChange", back_populates="recording",
                                  cascade="all, delete-orphan", passive_deletes=True,
                                  order_by="RecordingStatusChange.id")

    @property
    def is_deleted(self) -> bool:
        """Soft-deleted (the origin's field; in queries use ``deleted_at``)."""
        return self.deleted_at is not None

    def __repr__(self) -> str:
        return f"<Recording {self.id} {self.status}>"


class RecordingStatusChange(db.Model):
    """One status a recording entered, when, and by whose request (None: the service)."""

    __tablename__ = "recording_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[str] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"),
                                              nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    changed_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    changed_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    recording = relationship("Recording", back_populates="status_changes")
