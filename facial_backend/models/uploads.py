"""Videos of the browser recording app, uploaded in chunks, and the chunks received so far."""

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facial_backend.extensions import db
from facial_backend.timeutil import UTCDateTime, utcnow

VIDEO_STATUSES = ("receiving", "complete", "expired")


class Video(db.Model):
    """One video of a recording session: its upload state and the metadata the app sent."""

    __tablename__ = "videos"
    __table_args__ = (UniqueConstraint("session_id", "video_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"),
                                            nullable=False)
    video_id: Mapped[str] = mapped_column(String(128), nullable=False)
    video_type: Mapped[str] = mapped_column(String(16), nullable=False, default="recording")
    file_extension: Mapped[str | None] = mapped_column(String(16))
    total_chunks: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="receiving")
    received_chunks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Chunks 0 .. appended_chunks-1 are, in order, the first appended_bytes of the staged file.
    appended_chunks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    appended_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Drawn anew at every change to the staged file, by any process (see running_hashes).
    staging_revision: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0,
                                                  server_default="0")
    # The staging-host id of the DATA_DIR that holds the staged files (set by the first chunk).
    staging_host: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(1024))
    prompt_id: Mapped[str | None] = mapped_column(String(200))
    metadata_json = mapped_column(JSON)
    metadata_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    completed_at = mapped_column(UTCDateTime)

    chunks = relationship("VideoChunk", back_populates="video", cascade="all, delete-orphan",
                          passive_deletes=True, order_by="VideoChunk.chunk_index")


class VideoChunk(db.Model):
    """A received chunk; ``offset`` is set once it is part of the staged file."""

    __tablename__ = "video_chunks"

    video_pk: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"),
                                          primary_key=True)
    chunk_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    offset: Mapped[int | None] = mapped_column(BigInteger)
    received_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    video = relationship("Video", back_populates="chunks")
