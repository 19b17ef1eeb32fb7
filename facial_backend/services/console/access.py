"""Who may see which session in the console: admins and operators every session, an
evaluator the live sessions they ran, a recorder the sessions they created or that hold one
of their recordings; other roles none. A session someone may not see does not exist for them."""

from __future__ import annotations

from sqlalchemy import and_, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from facial_backend.errors import NotFound
from facial_backend.extensions import db
from facial_backend.models.recordings import Recording
from facial_backend.models.sessions import StudySession
from facial_backend.models.testbed import SttTask
from facial_backend.models.users import User

CONSOLE_ROLES = ("admin", "operator", "evaluator", "recorder")
SEES_EVERYTHING = ("admin", "operator")


def sessions_visible_to(user: User) -> ColumnElement[bool] | None:
    """A WHERE clause on ``sessions`` for ``user``; None when every session is visible."""
    if user.role in SEES_EVERYTHING:
        return None
    if user.role == "evaluator":
        return and_(StudySession.kind == "live", StudySession.evaluator_id == user.username)
    if user.role == "recorder":
        return or_(StudySession.created_by_id == user.id, StudySession.id.in_(_sessions_with_recordings_of(user)))
    return false()


def _sessions_with_recordings_of(user: User):
    return (select(SttTask.session_id).join(Recording, Recording.id == SttTask.recording_id)
            .where(Recording.recorded_by_user_id == user.id))


def visible_session(user: User, session_id: str) -> StudySession:
    """The session if ``user`` may see it; 404 otherwise (never telling that it exists)."""
    query = select(StudySession).where(StudySession.id == session_id)
    clause = sessions_visible_to(user)
    if clause is not None:
        query = query.where(clause)
    session = db.session.scalar(query)
    if session is None:
        raise NotFound(f"Session {session_id} not found.", "session_not_found")
    return session


def sees_whole_session(user: User, session: StudySession) -> bool:
    """A recorder who did not create the session sees only their own recordings in it."""
    return user.role != "recorder" or session.created_by_id == user.id


def recording_visible(user: User, recording: Recording) -> bool:
    return user.role in SEES_EVERYTHING or recording.recorded_by_user_id == user.id
