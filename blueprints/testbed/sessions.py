"""Testbed sessions (seed 004, ORIGINS C.1): create, list, read, change and delete.

``GET /api/sessions`` lists testbed sessions by default (``?kind=`` for another kind or
``all``); any session can be read, only testbed ones changed or deleted here.
"""

from flask import Blueprint, jsonify

from facial_backend.api import body, doc, query
from facial_backend.auth import current_user, login_required
from facial_backend.schemas import testbed as schemas
from facial_backend.services.testbed import sessions

bp = Blueprint("testbed_sessions", __name__)
TAGS = ["testbed sessions"]


@bp.post("/api/sessions")
@doc("Create a testbed session", tags=TAGS,
     responses={200: schemas.TestbedSessionSchema, 422: "Invalid fields"})
@login_required(open=True)
@body(schemas.TestbedSessionCreateSchema)
def create_session(body):
    user = current_user()
    session = sessions.create_session(body["name"], body.get("description"), user.id if user else None)
    return jsonify(sessions.session_dict(session, note_count=0))


@bp.get("/api/sessions")
@doc("List sessions, newest first (testbed ones unless ?kind= says otherwise)", tags=TAGS,
     responses={200: schemas.TestbedSessionSchema(many=True), 422: "Invalid query"})
@login_required(open=True)
@query(schemas.TestbedSessionListQuerySchema)
def list_sessions(query):
    found = sessions.list_sessions(query["kind"], query["limit"], query["offset"])
    counts = sessions.note_counts([session.id for session in found])
    return jsonify([sessions.session_dict(session, counts.get(session.id, 0)) for session in found])


@bp.get("/api/sessions/<session_id>")
@doc("A session", tags=TAGS, responses={200: schemas.TestbedSessionSchema, 404: "Unknown session"})
@login_required(open=True)
def get_session(session_id):
    return jsonify(sessions.session_dict(sessions.get_session(session_id)))


@bp.patch("/api/sessions/<session_id>")
@doc("Change a testbed session's name or description, or end it (status ended)", tags=TAGS,
     responses={200: schemas.TestbedSessionSchema, 404: "Unknown session",
                409: "Not a testbed session", 422: "Invalid fields"})
@login_required(open=True)
@body(schemas.TestbedSessionUpdateSchema)
def update_session(session_id, body):
    return jsonify(sessions.session_dict(sessions.update_session(session_id, body)))


@bp.delete("/api/sessions/<session_id>")
@doc("Delete a testbed session with its notes, telemetry and STT tasks (operators)", tags=TAGS,
     responses={200: schemas.TestbedMessageSchema, 403: "Not an operator", 404: "Unknown session",
                409: "Not a testbed session"})
@login_required(roles=("operator",))
@query(schemas.TestbedSessionDeleteQuerySchema)
def delete_session(session_id, query):
    sessions.delete_session(session_id, query["delete_media"])
    return jsonify(message=f"Session {session_id} deleted")
