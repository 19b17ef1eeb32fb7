"""The iPhone app's recordings API (seed 003, ORIGINS D.1): presigned upload, completion,
listing, download links and soft delete. Every route needs a bearer token."""

import time

from flask import Blueprint, g, jsonify

from facial_backend.api import body, doc, query
from facial_backend.auth import current_user, login_required
from facial_backend.models.recordings import Recording
from facial_backend.schemas import recordings as schemas
from facial_backend.services.recordings import recordings
from facial_backend.timeutil import isoformat_z

bp = Blueprint("recordings", __name__, url_prefix="/api/v1/recordings")
TAGS = ["recordings"]
API_VERSION = "1.0.0"
_NOT_FOUND = {404: recordings.NOT_FOUND, 401: "Missing or invalid bearer token"}


@bp.after_request
def origin_headers(response):
    """The extra headers of the origin's JSON responses (ORIGINS D)."""
    response.headers["X-API-Version"] = API_VERSION
    started = g.get("request_started")
    if started is not None:
        response.headers["X-Process-Time"] = f"{time.perf_counter() - started:.4f}"
    response.headers["Cache-Control"] = "no-cache, no-store, must-revalidate"
    response.headers["Pragma"] = "no-cache"
    response.headers["Expires"] = "0"
    response.vary.update(("Accept", "Authorization", "Origin"))
    return response


def _duration_formatted(seconds: float | None) -> str | None:
    if not seconds:
        return None
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


def recording_document(recording: Recording) -> dict:
    """The origin's RecordingResponse, plus the transcription's language, engine and times."""
    return {
        "id": recording.id,
        "visit_id": recording.visit_id,
        "appointment_id": recording.appointment_id,
        "recording_type": recording.recording_type,
        "status": recording.status,
        "filename": recording.filename,
        "original_filename": recording.original_filename,
        "file_size_bytes": recording.file_size_bytes,
        "duration_seconds": recording.duration_seconds,
        "duration_formatted": _duration_formatted(recording.duration_seconds),
        "mime_type": recording.mime_type,
        "s3_url": None,
        "transcript_text": recording.transcript_text,
        "transcript_confidence": recording.transcript_confidence,
        "transcript_language": recording.transcript_language,
        "transcription_service": recording.transcription_service,
        "processing_started_at": isoformat_z(recording.processing_started_at),
        "processing_completed_at": isoformat_z(recording.processing_completed_at),
        "processing_error": recording.processing_error,
        "is_transcribed": recording.status == "transcribed" and bool(recording.transcript_text),
        "is_processing": recording.status in ("processing", "uploading"),
        "created_at": isoformat_z(recording.created_at),
        "updated_at": isoformat_z(recording.updated_at),
        "recorded_by_user_id": recording.recorded_by_user_id,
    }


@bp.post("/upload/initiate")
@doc("Start a recording upload: a presigned POST straight to storage", tags=TAGS,
     responses={200: schemas.InitiatedUploadSchema,
                400: "Either appointment_id or visit_id must be provided",
                401: _NOT_FOUND[401], 422: "Invalid field (named)"})
@login_required()
@body(schemas.InitiateUploadSchema)
def initiate_upload(body):
    upload = recordings.initiate_upload(current_user(), **body)
    return jsonify(recording_id=upload.recording.id, upload_url=upload.url,
                   upload_fields=upload.fields, s3_key=upload.object_key,
                   bucket=upload.recording.storage_bucket, expires_in=upload.expires_in,
                   max_file_size=upload.max_bytes)


@bp.post("/upload/complete/<recording_id>")
@doc("Mark an upload complete once the file is in storage (idempotent)", tags=TAGS,
     responses={200: schemas.CompletedUploadSchema,
                400: "Not uploading (deleted) or the file is not in storage", **_NOT_FOUND,
                422: "Invalid field (named)"})
@login_required()
@body(schemas.CompleteUploadSchema, allow_empty=True)
def complete_upload(recording_id, body):
    metadata = {**(body["metadata"] or {}), **(body["recording_metadata"] or {})}
    recording = recordings.complete_upload(
        current_user(), recording_id, file_size_bytes=body["file_size_bytes"],
        duration_seconds=body["duration_seconds"], metadata=metadata)
    return jsonify(message="Recording upload completed successfully", recording_id=recording.id)


@bp.get("/")
@bp.get("", endpoint="list_recordings_no_slash")
@doc("The caller's recordings, newest first (a bare JSON array)", tags=TAGS,
     responses={200: schemas.RecordingSchema(many=True), 401: _NOT_FOUND[401],
                422: "Invalid query parameter (named)"})
@login_required()
@query(schemas.ListQuerySchema)
def list_recordings(query):
    found = recordings.list_recordings(current_user(), **query)
    return jsonify([recording_document(recording) for recording in found])


@bp.get("/<recording_id>")
@doc("One recording", tags=TAGS, responses={200: schemas.RecordingSchema, **_NOT_FOUND})
@login_required()
def get_recording(recording_id):
    return jsonify(recording_document(recordings.get_recording(current_user(), recording_id)))


@bp.get("/<recording_id>/download-url")
@doc("A presigned, expiring download URL of the recording's file", tags=TAGS,
     responses={200: schemas.DownloadUrlSchema, 400: "Recording is not available for download",
                **_NOT_FOUND, 422: "expires_in outside 300..86400"})
@login_required()
@query(schemas.DownloadQuerySchema)
def download_url(recording_id, query):
    url, filename = recordings.download_url(current_user(), recording_id, query["expires_in"])
    return jsonify(download_url=url, expires_in=query["expires_in"],
                   filename=filename)


@bp.post("/<recording_id>/transcribe")
@doc("Transcribe the recording (again) with the built-in engine; the job runs in the STT worker",
     tags=TAGS, responses={202: schemas.TranscriptionJobSchema, **_NOT_FOUND,
                           409: "Not transcribable in its status, or transcription is disabled"})
@login_required()
def transcribe(recording_id):
    job = recordings.transcribe_again(current_user(), recording_id)
    return jsonify(recording_id=recording_id, job_id=job.id, status=job.status), 202


@bp.delete("/<recording_id>")
@doc("Soft-delete a recording (the file is removed by `flask recordings purge`)", tags=TAGS,
     responses={200: schemas.MessageSchema, 400: "Recording is already deleted", **_NOT_FOUND})
@login_required()
def delete_recording(recording_id):
    recordings.delete_recording(current_user(), recording_id)
    return jsonify(message="Recording deleted successfully")
