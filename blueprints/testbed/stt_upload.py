"""``POST /api/sessions/<sid>/stt/upload`` (testbed v0.3): audio in, a task transcribed by the
built-in engine, its text published as ``transcript.chunk.ready`` events, then ``stt.task.done``."""

from flask import Blueprint, current_app, jsonify, request

from facial_backend.api import MULTIPART_OVERHEAD, doc, form, max_body
from facial_backend.auth import current_user, login_required
from facial_backend.errors import validation_error
from facial_backend.schemas import testbed as schemas
from facial_backend.services.recordings.keys import allowed_content_type
from facial_backend.services.testbed import stt_tasks

bp = Blueprint("testbed_stt_upload", __name__)


@bp.post("/api/sessions/<session_id>/stt/upload")
@doc("Upload audio and transcribe it with the built-in engine (a new task)", tags=["testbed speech-to-text"],
     responses={201: schemas.TestbedSttTaskSchema, 404: "Unknown session",
                409: "Transcription is disabled (STT_ENGINE=none)", 413: "Larger than RECORDING_MAX_BYTES",
                422: "Missing file part or a content type that is not audio"})
@login_required(open=True)
@max_body(lambda: current_app.config["RECORDING_MAX_BYTES"] + MULTIPART_OVERHEAD)
@form(schemas.SttUploadFormSchema, status=422, files={"file": "The audio (m4a, wav, webm, ogg, mp3...)"})
def upload(session_id, form):
    part = request.files.get("file") or request.files.get("audio")
    if part is None:
        raise validation_error({"file": ["Missing file part."]}, location="form")
    content_type = allowed_content_type(part.mimetype or "")
    if content_type is None:
        raise validation_error({"file": [f"Content type {part.mimetype or 'unknown'} is not an allowed audio type."]},
                               location="form")
    task = stt_tasks.create_uploaded_task(session_id, part.stream, part.filename or "", content_type,
                                          current_user())
    return jsonify(stt_tasks.task_dict(task)), 201
