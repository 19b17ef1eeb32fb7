"""People who sign in: evaluators, clients, operators, recorders and admins."""

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from facial_backend.extensions import db
from facial_backend.ids import new_uuid
from facial_backend.timeutil import UTCDateTime, utcnow

ROLES = ("admin", "operator", "evaluator", "client", "recorder")


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"
