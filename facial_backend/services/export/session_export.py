"""Who may export a session (operators and admins, through the API, the console or the CLI),
and the access-audit record every export leaves."""

from __future__ import annotations

from facial_backend.errors import ApiError, NotFound
from facial_backend.extensions import db
from facial_backend.models.sessions import StudySession
from facial_backend.models.users import User
from facial_backend.services.export.archive import NoteBodies, SessionExport, build_export
from facial_backend.services.shared import audit

EXPORT_ROLES = ("admin", "operator")


def start_export(user: User, session_id: str, *, address: str | None, note_bodies: NoteBodies,
                 channel: str = "api") -> SessionExport:
    """The export of a session for ``user`` (403 for other roles, 404 for an unknown session),
    recorded in the access audit before any byte is sent."""
    if user.role not in EXPORT_ROLES:
        raise ApiError(403, "forbidden", f"Exports need one of the roles: {', '.join(EXPORT_ROLES)}.")
    export = build_export(_session(session_id), exported_by=user.username, note_bodies=note_bodies)
    _record(export, actor=user, address=address, channel=channel)
    return export


def export_from_cli(session_id: str, *, operator: str | None, note_bodies: NoteBodies) -> SessionExport:
    """The export for ``flask sessions export`` (whoever runs the CLI may read the database)."""
    export = build_export(_session(session_id), exported_by=operator, note_bodies=note_bodies)
    _record(export, actor=None, address=None, channel="cli", operator=operator)
    return export


def _session(session_id: str) -> StudySession:
    session = db.session.get(StudySession, session_id)
    if session is None:
        raise NotFound(f"Session {session_id} not found.", "session_not_found")
    return session


def _record(export: SessionExport, *, actor: User | None, address: str | None, channel: str,
            operator: str | None = None) -> None:
    details = {"files": len(export.files), "media_bytes": export.media_bytes, "missing": len(export.missing)}
    if operator:
        details["operator"] = operator
    audit.record("export", actor=actor, address=address, channel=channel, session_id=export.session_id,
                 target_kind="session", target_id=export.session_id, details=details)
