"""The iPhone app's recordings API: presigned upload, completion, listing, download links and
soft delete. Every route needs a bearer token."""

import time

from flask import g, request

from facial_backend.auth import current_user, login_required
from facial_backend.rest import Blueprint
from facial_backend.schemas import recordings as schemas
from facial_backend.services.recordings import recordings
from facial_backend.services.shared import audit

bp = Blueprint("recordings", __name__, url_prefix="/api/v1/recordings",
               description="The iPhone app's recordings: presigned upload straight to storage, "
                           "completion, listing, download links, transcription, soft delete")
API_VERSION = "1.0.0"
NO_TOKEN = (401, "Missing or invalid bearer token")
NOT_FOUND = (404, recordings.NOT_FOUND)
INVALID = (422, "Invalid field (named)")


@bp.after_request
def origin_headers(response):
    """The extra headers of the origin's JSON responses."""
    response.headers["X-API-Version"] = API_VERSION
    started = g.get("request_started")
    if started is not None:
        response.headers["X-Process-Time"] = f"{time.perf_counter() - started:.4f}"
    response.headers["Cache-Control"] = "no-cache, no-store, must-revalidate"
    response.headers["Pragma"] = "no-cache"
    response.headers["Expires"] = "0"
    response.vary.update(("Accept", "Authorization", "Origin"))
    return response


@bp.post("/upload/initiate")
@login_required()
@bp.arguments(schemas.InitiateUploadSchema,
              example={"appointment_id": "123e4567-e89b-12d3-a456-426614174000",
                       "recording_type": "visit_audio", "filename": "recording_20241219_143022.m4a",
                       "content_type": "audio/m4a", "estimated_duration_seconds": 120.5})
@bp.response(200, schemas.InitiatedUploadSchema)
@bp.errors((400, "Either appointment_id or visit_id must be provided"), NO_TOKEN, INVALID)
def initiate_upload(body):
    """Start a recording upload: a presigned POST straight to storage"""
    return recordings.initiate_upload(current_user(), **body)


@bp.post("/upload/complete/<recording_id>")
@login_required()
@bp.arguments(schemas.CompleteUploadSchema, allow_empty=True,
              example={"file_size_bytes": 2048576, "duration_seconds": 125.3,
                       "recording_metadata": {"device_model": "iPhone 15 Pro", "ios_version": "17.2"}})
@bp.response(200, schemas.CompletedUploadSchema)
@bp.errors((400, "Not uploading (deleted), or the file is not in storage"), NO_TOKEN, NOT_FOUND, INVALID)
def complete_upload(recording_id, body):
    """Mark an upload complete once the file is in storage (idempotent)

    ``metadata`` is taken as an alias of ``recording_metadata``; the stored metadata is
    answered back."""
    return recordings.complete_upload(current_user(), recording_id, **body)


@bp.get("/")
@bp.get("", endpoint="list_recordings_no_slash")
@login_required()
@bp.arguments(schemas.ListQuerySchema, location="query")
@bp.response(200, schemas.RecordingSchema(many=True))
@bp.errors(NO_TOKEN, (422, "Invalid query parameter (named)"))
def list_recordings(query):
    """The caller's recordings, newest first (a bare JSON array)"""
    return recordings.list_recordings(current_user(), **query)


@bp.get("/<recording_id>")
@login_required()
@bp.response(200, schemas.RecordingSchema)
@bp.errors(NO_TOKEN, NOT_FOUND)
def get_recording(recording_id):
    """One recording"""
    return recordings.get_recording(current_user(), recording_id)


@bp.get("/<recording_id>/download-url")
@login_required()
@bp.arguments(schemas.DownloadQuerySchema, location="query")
@bp.response(200, schemas.DownloadUrlSchema)
@bp.errors((400, "Recording is not available for download"), NO_TOKEN, NOT_FOUND,
           (422, "expires_in outside 300..86400"))
def download_url(recording_id, query):
    """A presigned, expiring download URL of the recording's file"""
    link = recordings.download_url(current_user(), recording_id, query["expires_in"])
    audit.record("download", actor=current_user(), address=request.remote_addr,
                 target_kind="recording", target_id=recording_id)
    return link


@bp.post("/<recording_id>/transcribe")
@login_required()
@bp.response(202, schemas.TranscriptionJobSchema)
@bp.errors(NO_TOKEN, NOT_FOUND, (409, "Not transcribable in its status, or transcription is disabled"))
def transcribe(recording_id):
    """Transcribe the recording (again) with the built-in engine; the job runs in the STT worker"""
    return recordings.transcribe_again(current_user(), recording_id)


@bp.delete("/<recording_id>")
@login_required()
@bp.response(200, schemas.DeletedSchema)
@bp.errors((400, "Recording is already deleted"), NO_TOKEN, NOT_FOUND)
def delete_recording(recording_id):
    """Soft-delete a recording (the file is removed by `flask recordings purge`)"""
    recording = recordings.delete_recording(current_user(), recording_id)
    audit.record("delete", actor=current_user(), address=request.remote_addr,
                 target_kind="recording", target_id=recording_id)
    return recording
