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
              error_status_code=422, example={"file": "(the audio file, e.g. clip.m4a)",
                                              "audio_chunk_id": "chunk-0007", "duration_seconds": 3.0})
@bp.response(201, schemas.TestbedSttTaskSchema, description="The task, still pending or processing")
@bp.alt_response(200, schema=schemas.TestbedSttTaskSchema, success=True,
                 description="The task, done or failed within STT_UPLOAD_WAIT")
@bp.errors((404, "Unknown session"), (409, "Transcription is disabled (STT_ENGINE=none)"),
           (413, "Larger than RECORDING_MAX_BYTES"))
def upload(session_id, form):
    """Upload audio and transcribe it with the built-in engine (a new task)

    Waits up to STT_UPLOAD_WAIT for the transcription: 200 with the finished task, else 201
    with the task as it is (its text follows as transcript.chunk.ready and stt.task.done
    events). 422 names the file part when it is missing or its content type is not audio."""
    part = form.get("file") or form.get("audio")
    if part is None:
        raise validation_error({"file": ["Missing file part."]}, location="form")
    content_type = allowed_content_type(part.mimetype or "")
    if content_type is None:
        raise validation_error({"file": [f"Content type {part.mimetype or 'unknown'} is not an allowed audio type."]},
                               location="form")
    task = stt_tasks.create_uploaded_task(session_id, part.stream, part.filename or "", content_type,
                                          current_user(), audio_chunk_id=form.get("audio_chunk_id"),
                                          duration_seconds=form.get("duration_seconds"))
    task = stt_tasks.wait_until_finished(task, current_app.config["STT_UPLOAD_WAIT"])
    return task, 200 if task.status in stt_tasks.FINISHED else 201
