"""Log lines the browser recording app sends about itself (uploader and logger), kept per
session; lines sent before the app has a session have none."""

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from facial_backend.extensions import db
from facial_backend.timeutil import UTCDateTime, utcnow


class ClientLog(db.Model):
    __tablename__ = "client_logs"
    __table_args__ = (Index("ix_client_logs_session_id_id", "session_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    context = mapped_column(JSON)
    # The app's own time of the line, as it sent it (text: browsers' clocks and formats vary).
    client_timestamp: Mapped[str | None] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    received_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<ClientLog {self.id} {self.session_id} {self.level}>"
