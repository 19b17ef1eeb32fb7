"""Sessions of every origin live in one table, so segments, videos, notes and transcripts
hang off one session whichever client started it."""

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from facial_backend.extensions import db
from facial_backend.timeutil import UTCDateTime, utcnow

# Which client started the session: the browser recording app, the evaluator/client apps
# over Socket.IO, or the testbed API.
SESSION_KINDS = ("recording", "live", "testbed")


class StudySession(db.Model):
    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_kind_started_at", "kind", "started_at"),
                      # The console's sessions table: newest first, by status (revision 0013).
                      Index("ix_sessions_started_at", "started_at", "id"),
                      Index("ix_sessions_status_started_at", "status", "started_at", "id"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    participant_id: Mapped[str | None] = mapped_column(String(200))
    participant_name: Mapped[str | None] = mapped_column(String(200))
    evaluator_id: Mapped[str | None] = mapped_column(String(64), index=True)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    package: Mapped[str | None] = mapped_column(String(16))
    video_type: Mapped[str | None] = mapped_column(String(16))
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    ended_at = mapped_column(UTCDateTime)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<StudySession {self.id} {self.kind} {self.status}>"
