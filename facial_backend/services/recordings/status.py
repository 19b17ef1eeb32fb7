"""Status changes of iPhone recordings, each recorded with its time and who caused it."""

from __future__ import annotations

from facial_backend.extensions import db
from facial_backend.models.recordings import Recording, RecordingStatusChange
from facial_backend.models.users import User
from facial_backend.timeutil import utcnow


def set_status(recording: Recording, status: str, user: User | None = None) -> None:
    """Move a recording to ``status`` and record when (and on whose request) it did."""
    recording.status = status
    db.session.add(RecordingStatusChange(recording=recording, status=status, changed_at=utcnow(),
                                         changed_by_user_id=user.id if user else None))
