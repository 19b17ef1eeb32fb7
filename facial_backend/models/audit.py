"""The access audit: who viewed, downloaded, exported or deleted which session's data, or changed
which user, when and from which address.

Rows are only ever added: the ORM refuses to update or delete one (row by row or in bulk), and
no foreign key ties a row to the user or session it names, so deleting either leaves it as it was.
"""

from sqlalchemy import JSON, BigInteger, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from facial_backend.extensions import db
from facial_backend.timeutil import UTCDateTime, utcnow

# What happened: a session's media was viewed (played, or a player link issued), a file was
# downloaded, a session was exported, something was deleted, a user was created or changed.
AUDIT_ACTIONS = ("media_view", "download", "export", "delete", "user_change")
# Where it was asked for.
AUDIT_CHANNELS = ("api", "console", "cli")

# A 64-bit key on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid).
_BigKey = BigInteger().with_variant(Integer, "sqlite")


class AuditEvent(db.Model):
    __tablename__ = "access_audit"
    __table_args__ = (
        Index("ix_access_audit_session_time", "session_id", "occurred_at"),
        Index("ix_access_audit_actor_time", "actor_username", "occurred_at"),
        Index("ix_access_audit_action_time", "action", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(_BigKey, primary_key=True, autoincrement=True)
    occurred_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    # Who: copied from the user at the time (None for an anonymous caller or the CLI).
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor_username: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    # What: the session it concerns (if any) and the item itself (video, segment, recording, user...).
    session_id: Mapped[str | None] = mapped_column(String(64))
    target_kind: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(128))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.actor_username} {self.session_id}>"


class AuditIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit record."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AuditIsAppendOnly(f"audit record {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AuditIsAppendOnly(f"audit record {target.id} cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is AuditEvent.__mapper__:
        raise AuditIsAppendOnly("audit records cannot be changed or deleted")
