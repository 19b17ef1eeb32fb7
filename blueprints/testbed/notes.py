"""Notes of a session (seed 004, ORIGINS C.2 and the v0.3 append of C.6)."""

from flask import Blueprint, Response, jsonify

from facial_backend.api import body, doc, query
from facial_backend.auth import login_required
from facial_backend.schemas import testbed as schemas
from facial_backend.services.testbed import note_export, notes
from facial_backend.services.testbed.sessions import get_session

bp = Blueprint("testbed_notes", __name__, url_prefix="/api/sessions/<session_id>/notes")
TAGS = ["testbed notes"]
_ENDED = "Session ended (send allow_ended=true to correct it anyway)"


@bp.post("")
@doc("Create a note", tags=TAGS,
     responses={200: schemas.TestbedNoteSchema, 404: "Unknown session", 409: _ENDED, 422: "Invalid fields"})
@login_required(open=True)
@query(schemas.TestbedAllowEndedQuerySchema)
@body(schemas.TestbedNoteCreateSchema)
def create_note(session_id, query, body):
    note = notes.create_note(session_id, body, allow_ended=body["allow_ended"] or query["allow_ended"])
    return jsonify(notes.note_dict(note))


@bp.get("")
@doc("List notes, oldest first (filters: speaker, type, from, to)", tags=TAGS,
     responses={200: schemas.TestbedNoteSchema(many=True), 404: "Unknown session", 422: "Invalid query"})
@login_required(open=True)
@query(schemas.TestbedNoteListQuerySchema)
def list_notes(session_id, query):
    found = notes.list_notes(session_id, query.get("speaker"), query.get("type"),
                             query.get("from_"), query.get("to"))
    return jsonify([notes.note_dict(note) for note in found])


@bp.get("/export")
@doc("Export the notes as Markdown (default) or JSON (?format=json)", tags=TAGS,
     responses={200: "text/markdown or application/json", 404: "Unknown session"})
@login_required(open=True)
@query(schemas.TestbedExportQuerySchema)
def export_notes(session_id, query):
    session = get_session(session_id)
    found = notes.list_notes(session_id)
    if query["format"] == "json":
        return Response(note_export.export_json(session, found), content_type="application/json")
    return Response(note_export.export_markdown(session, found),
                    content_type="text/markdown; charset=utf-8")


@bp.get("/<note_id>")
@doc("A note", tags=TAGS, responses={200: schemas.TestbedNoteSchema, 404: "Unknown session or note"})
@login_required(open=True)
def get_note(session_id, note_id):
    return jsonify(notes.note_dict(notes.get_note(session_id, note_id)))


@bp.put("/<note_id>")
@doc("Correct a note (fields given replace the old ones)", tags=TAGS,
     responses={200: schemas.TestbedNoteSchema, 404: "Unknown session or note", 409: _ENDED,
                422: "Invalid fields"})
@login_required(open=True)
@query(schemas.TestbedAllowEndedQuerySchema)
@body(schemas.TestbedNoteUpdateSchema)
def update_note(session_id, note_id, query, body):
    note = notes.update_note(session_id, note_id, body,
                             allow_ended=body["allow_ended"] or query["allow_ended"])
    return jsonify(notes.note_dict(note))


@bp.patch("/<note_id>")
@doc("Append a timestamped line to a note (v0.3)", tags=TAGS,
     responses={200: schemas.TestbedNoteSchema, 404: "Unknown session or note", 409: _ENDED,
                422: "Invalid fields"})
@login_required(open=True)
@query(schemas.TestbedAllowEndedQuerySchema)
@body(schemas.TestbedNoteAppendSchema)
def append_to_note(session_id, note_id, query, body):
    note = notes.append_to_note(session_id, note_id, body["append_content"], body["timestamp"],
                                body["telemetry_snapshot"],
                                allow_ended=body["allow_ended"] or query["allow_ended"])
    return jsonify(notes.note_dict(note))


@bp.delete("/<note_id>")
@doc("Delete a note", tags=TAGS,
     responses={200: schemas.TestbedMessageSchema, 404: "Unknown session or note", 409: _ENDED})
@login_required(open=True)
@query(schemas.TestbedAllowEndedQuerySchema)
def delete_note(session_id, note_id, query):
    notes.delete_note(session_id, note_id, allow_ended=query["allow_ended"])
    return jsonify(message=f"Note {note_id} deleted")
