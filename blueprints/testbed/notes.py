"""Notes of a session, with the v0.3 append."""

from flask import Response, request

from facial_backend.auth import current_user, login_required
from facial_backend.rest import Blueprint
from facial_backend.schemas import testbed as schemas
from facial_backend.services.shared import audit
from facial_backend.services.testbed import note_export, notes
from facial_backend.services.testbed.sessions import get_session

bp = Blueprint("testbed_notes", __name__, url_prefix="/api/sessions/<session_id>/notes",
               description="Notes of a testbed session")
_ENDED = "Session ended (send allow_ended=true to correct it anyway)"
_NOTE_EXAMPLE = {"timestamp": "2025-01-26T10:32:15Z", "content": "Lane change left",
                 "speaker": "driver", "type": "observation", "tags": ["lane"]}


@bp.post("")
@login_required(open=True)
@bp.arguments(schemas.TestbedAllowEndedQuerySchema, location="query")
@bp.arguments(schemas.TestbedNoteCreateSchema, example=_NOTE_EXAMPLE)
@bp.response(200, schemas.TestbedNoteSchema)
@bp.errors((404, "Unknown session"), (409, _ENDED))
def create_note(session_id, query, body):
    """Create a note"""
    return notes.create_note(session_id, body, allow_ended=body["allow_ended"] or query["allow_ended"])


@bp.get("")
@login_required(open=True)
@bp.arguments(schemas.TestbedNoteListQuerySchema, location="query")
@bp.response(200, schemas.TestbedNoteSchema(many=True))
@bp.errors((404, "Unknown session"))
def list_notes(session_id, query):
    """List notes, oldest first (filters: speaker, type, from, to)"""
    return notes.list_notes(session_id, query.get("speaker"), query.get("type"),
                            query.get("from_"), query.get("to"))


@bp.get("/export")
@login_required(open=True)
@bp.arguments(schemas.TestbedExportQuerySchema, location="query")
@bp.doc(responses={"200": {"description": "The notes as Markdown, or JSON with ?format=json",
                           "content": {"text/markdown": {"schema": {"type": "string"}},
                                       "application/json": {"schema": {"type": "object"}}}}})
@bp.errors((404, "Unknown session"))
def export_notes(session_id, query):
    """Export the notes as Markdown (default) or JSON (?format=json)

    JSON: every note under notes, and grouped under summary, anomalies and detailed_notes.
    Markdown: one Notes section, or with TESTBED_API_VERSION=0.3 the sections Test Summary,
    Anomalies and Detailed Notes."""
    session = get_session(session_id)
    found = notes.list_notes(session_id)
    if query["format"] == "json":
        bodies = schemas.TestbedNoteSchema(many=True).dump(found)
        return Response(note_export.export_json(session, bodies), content_type="application/json")
    markdown = note_export.export_markdown(session, found, by_type=notes.api_version() == "0.3")
    return Response(markdown, content_type="text/markdown; charset=utf-8")


@bp.get("/<note_id>")
@login_required(open=True)
@bp.response(200, schemas.TestbedNoteSchema)
@bp.errors((404, "Unknown session or note"))
def get_note(session_id, note_id):
    """A note"""
    return notes.get_note(session_id, note_id)


@bp.put("/<note_id>")
@login_required(open=True)
@bp.arguments(schemas.TestbedAllowEndedQuerySchema, location="query")
@bp.arguments(schemas.TestbedNoteUpdateSchema, example={"content": "Lane change right"})
@bp.response(200, schemas.TestbedNoteSchema)
@bp.errors((404, "Unknown session or note"), (409, _ENDED))
def update_note(session_id, note_id, query, body):
    """Correct a note (fields given replace the old ones)"""
    return notes.update_note(session_id, note_id, body,
                             allow_ended=body["allow_ended"] or query["allow_ended"])


@bp.patch("/<note_id>")
@login_required(open=True)
@bp.arguments(schemas.TestbedAllowEndedQuerySchema, location="query")
@bp.arguments(schemas.TestbedNoteAppendSchema, example={"append_content": "Back in lane"})
@bp.response(200, schemas.TestbedNoteSchema)
@bp.errors((404, "Unknown session or note"), (409, _ENDED))
def append_to_note(session_id, note_id, query, body):
    """Append a timestamped line to a note (v0.3)"""
    return notes.append_to_note(session_id, note_id, body["append_content"], body["timestamp"],
                                body["telemetry_snapshot"],
                                allow_ended=body["allow_ended"] or query["allow_ended"])


@bp.delete("/<note_id>")
@login_required(open=True)
@bp.arguments(schemas.TestbedAllowEndedQuerySchema, location="query")
@bp.response(200, schemas.TestbedMessageSchema)
@bp.errors((404, "Unknown session or note"), (409, _ENDED))
def delete_note(session_id, note_id, query):
    """Delete a note"""
    notes.delete_note(session_id, note_id, allow_ended=query["allow_ended"])
    audit.record("delete", actor=current_user(), address=request.remote_addr, session_id=session_id,
                 target_kind="note", target_id=note_id)
    return {"message": f"Note {note_id} deleted"}
