"""Testbed sessions: create, list, read, change and delete.

``GET /api/sessions`` lists testbed sessions by default (``?kind=`` for another kind or
``all``); any session can be read, only testbed ones changed or deleted here.
"""

from flask import request

from facial_backend.auth import current_user, login_required
from facial_backend.rest import Blueprint
from facial_backend.schemas import testbed as schemas
from facial_backend.services.shared import audit
from facial_backend.services.testbed import sessions

bp = Blueprint("testbed_sessions", __name__, description="Testbed sessions")


@bp.post("/api/sessions")
@login_required(open=True)
@bp.arguments(schemas.TestbedSessionCreateSchema,
              example={"name": "Drive 12", "description": "Highway, light rain"})
@bp.response(200, schemas.TestbedSessionSchema)
def create_session(body):
    """Create a testbed session"""
    user = current_user()
    session = sessions.create_session(body["name"], body.get("description"), user.id if user else None)
    return sessions.CountedSession(session, 0)


@bp.get("/api/sessions")
@login_required(open=True)
@bp.arguments(schemas.TestbedSessionListQuerySchema, location="query")
@bp.response(200, schemas.TestbedSessionSchema(many=True))
def list_sessions(query):
    """List sessions, newest first (testbed ones unless ?kind= says otherwise)"""
    return sessions.with_note_counts(sessions.list_sessions(query["kind"], query["limit"],
                                                            query["offset"]))


@bp.get("/api/sessions/<session_id>")
@login_required(open=True)
@bp.response(200, schemas.TestbedSessionSchema)
@bp.errors((404, "Unknown session"))
def get_session(session_id):
    """A session"""
    return sessions.with_note_counts([sessions.get_session(session_id)])[0]


@bp.patch("/api/sessions/<session_id>")
@login_required(open=True)
@bp.arguments(schemas.TestbedSessionUpdateSchema, example={"status": "ended"})
@bp.response(200, schemas.TestbedSessionSchema)
@bp.errors((404, "Unknown session"), (409, "Not a testbed session"))
def update_session(session_id, body):
    """Change a testbed session's name or description, or end it (status ended)"""
    return sessions.with_note_counts([sessions.update_session(session_id, body)])[0]


@bp.delete("/api/sessions/<session_id>")
@login_required(roles=("operator",))
@bp.arguments(schemas.TestbedSessionDeleteQuerySchema, location="query")
@bp.response(200, schemas.TestbedMessageSchema)
@bp.errors((401, "No valid token"), (403, "Not an operator"), (404, "Unknown session"),
           (409, "Not a testbed session"))
def delete_session(session_id, query):
    """Delete a testbed session with its notes, telemetry and STT tasks (operators)"""
    sessions.delete_session(session_id, query["delete_media"])
    audit.record("delete", actor=current_user(), address=request.remote_addr, session_id=session_id,
                 target_kind="session", target_id=session_id,
                 details={"delete_media": query["delete_media"]})
    return {"message": f"Session {session_id} deleted"}
