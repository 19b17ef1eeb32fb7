"""Live events waiting to be read by the web processes that did not raise them (without Redis)."""

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from facial_backend.extensions import db
from facial_backend.timeutil import UTCDateTime, utcnow


class LiveEventOutbox(db.Model):
    """One published event, its envelope as sent; ids grow in the order events were committed."""

    __tablename__ = "live_event_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(128), nullable=False)
    event: Mapped[str] = mapped_column(String(64), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
