"""``POST /api/sessions/<sid>/stt/upload`` (testbed v0.3): audio in, a task transcribed by the
built-in engine, its text published as ``transcript.chunk.ready`` events, then ``stt.task.done``."""

from flask import current_app

from facial_backend.auth import current_user, login_required
from facial_backend.errors import validation_error
from facial_backend.rest import MULTIPART_OVERHEAD, Blueprint, max_body
from facial_backend.schemas import testbed as schemas
from facial_backend.services.recordings.keys import allowed_content_type
from facial_backend.services.testbed import stt_tasks

bp = Blueprint("testbed_stt_upload", __name__, description="Audio upload for transcription")


@bp.post("/api/sessions/<session_id>/stt/upload")
@login_required(open=True)
@max_body(lambda: current_app.config["RECORDING_MAX_BYTES"] + MULTIPART_OVERHEAD)
@bp.arguments(schemas.SttUploadFormSchema, location="form", content_type="multipart/form-data",
              error_status_code=422, example={"file": "(the audio file, e.g. clip.m4a)"})
@bp.response(201, schemas.TestbedSttTaskSchema)
@bp.errors((404, "Unknown session"), (409, "Transcription is disabled (STT_ENGINE=none)"),
           (413, "Larger than RECORDING_MAX_BYTES"))
def upload(session_id, form):
    """Upload audio and transcribe it with the built-in engine (a new task)

    422 names the file part when it is missing or its content type is not audio."""
    part = form.get("file") or form.get("audio")
    if part is None:
        raise validation_error({"file": ["Missing file part."]}, location="form")
    content_type = allowed_content_type(part.mimetype or "")
    if content_type is None:
        raise validation_error({"file": [f"Content type {part.mimetype or 'unknown'} is not an allowed audio type."]},
                               location="form")
    return stt_tasks.create_uploaded_task(session_id, part.stream, part.filename or "", content_type,
                                          current_user())
