"""The browser recording app's API: sessions, chunked video upload, metadata."""

from flask import current_app, request

from blueprints.recording_app.multipart_doc import multipart_request
from blueprints.shared.stored_media import send_stored
from facial_backend.auth import current_user, login_required
from facial_backend.constants.recording_app import VIDEO_CONTENT_TYPES
from facial_backend.errors import ApiError, BadRequest, NotFound
from facial_backend.rest import MULTIPART_OVERHEAD, Blueprint, max_body
from facial_backend.schemas import recording_app as schemas
from facial_backend.services.recording_app import sessions as recording_sessions
from facial_backend.services.recording_app import uploads
from facial_backend.services.recording_app.upload_progress import upload_progress
from facial_backend.services.recording_app.videos import find_video
from facial_backend.services.shared import audit

bp = Blueprint("recording_app", __name__, description="The browser recording app: sessions, "
                                                      "chunked video upload, metadata")
UNKNOWN_SESSION = (404, "No such session")


@bp.record_once
def session_json_is_the_session_document(state) -> None:
    recording_sessions.provide_session_document(state.app, schemas.RecordingSessionSchema().dump)


@bp.post("/api/session/create")
@login_required(open=True)
@bp.arguments(schemas.SessionCreateSchema, error_status_code=400, allow_empty=True,
              example={"participant_id": "P-017", "participant_name": "Ann"})
@bp.response(201, schemas.SessionCreatedSchema)
def create_session(body):
    """Create a recording session

    Every field is optional; an empty or non-JSON body counts as ``{}``."""
    return recording_sessions.create_session(body.get("participant_id"), body.get("participant_name"),
                                             body["video_type"])


def _max_chunk_request() -> int:
    return current_app.config["MAX_CHUNK_BYTES"] + MULTIPART_OVERHEAD


@bp.post("/api/upload/chunk")
@login_required(open=True)
@max_body(_max_chunk_request)
@bp.arguments(schemas.ChunkFormSchema, location="form", content_type="multipart/form-data",
              error_status_code=400)
@bp.doc(requestBody=multipart_request(
    schemas.ChunkFormSchema, {"chunk": "The chunk's bytes"},
    example={"session_id": "0b9a5c1e-5d7e-4c57-9f3f-1c2b3a4d5e6f", "video_id": "video_1733490000000",
             "chunk_index": "0", "total_chunks": "3", "chunk": "(1 MiB of the video, as a file part chunk_0)"}))
@bp.response(200, schemas.ChunkReceivedSchema)
@bp.errors((400, "Invalid or missing field (named)"), UNKNOWN_SESSION,
           (409, "Differs from a completed video's chunk, or staged on another host "
                 "(upload_elsewhere, with its staging_host)"), (410, "Upload expired or lost"),
           (413, "Chunk larger than MAX_CHUNK_BYTES"), (422, "chunk_sha256 mismatch"))
def upload_chunk(form):
    """Upload one chunk of a video (idempotent; the last one completes the video)

    A chunk sent again answers as before; once the video is complete every chunk of it
    answers ``video_complete``."""
    part = request.files.get("chunk")
    if part is None:
        raise BadRequest("Missing required field: chunk (the file part).", "missing_chunk",
                         fields={"chunk": ["Missing file part."]})
    limit = current_app.config["MAX_CHUNK_BYTES"]
    data = part.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "chunk_too_large", f"A chunk may hold at most {limit} bytes.")
    return uploads.receive_chunk(
        form["session_id"], form["video_id"], form["chunk_index"], form["total_chunks"], data,
        video_type=form["video_type"], file_extension=form["file_extension"].lower(),
        chunk_sha256=form["chunk_sha256"].lower() if form["chunk_sha256"] else None)


@bp.get("/api/upload/status")
@login_required(open=True)
@bp.arguments(schemas.UploadStatusQuerySchema, location="query", error_status_code=400)
@bp.response(200, schemas.UploadStatusSchema)
@bp.errors((404, "No such session, or no chunk of the video arrived"))
def upload_status(query):
    """Which chunks of a video were received (to resume an upload)"""
    return upload_progress(query["session_id"], query["video_id"])


@bp.post("/api/upload/metadata")
@login_required(open=True)
@bp.arguments(schemas.VideoMetadataSchema, error_status_code=400, raw=True,
              example={"session_id": "0b9a5c1e-5d7e-4c57-9f3f-1c2b3a4d5e6f",
                       "video_id": "video_1733490000000", "prompt_id": "smile", "duration": 4.5,
                       "file_size": 1843200, "codec": "video/webm;codecs=vp9",
                       "resolution": "1280x960", "frame_rate": 30})
@bp.response(200, schemas.MetadataSavedSchema)
@bp.errors(UNKNOWN_SESSION)
def upload_metadata(body):
    """Store a video's metadata (a retry replaces it)

    Every field sent is kept as sent; the named ones are validated."""
    session = recording_sessions.get_session(body["session_id"])
    return recording_sessions.save_metadata(session, body["video_id"], body)


@bp.get("/api/session/<session_id>")
@login_required(open=True)
@bp.response(200, schemas.RecordingSessionSchema)
@bp.errors(UNKNOWN_SESSION)
def get_session(session_id):
    """A recording session with each of its videos"""
    return recording_sessions.with_videos(recording_sessions.get_session(session_id))


@bp.get("/api/session/<session_id>/videos/<video_id>")
@login_required(roles=("operator",))
@bp.response(200, description="The video", content_type="video/webm")
@bp.alt_response(206, description="Part of the video (a Range request on local storage)")
@bp.alt_response(302, description="A presigned URL of the video (S3)")
@bp.errors((401, "No token"), (403, "Not an operator or admin"), (404, "Unknown or incomplete video"))
def download_video(session_id, video_id):
    """Download a completed video (Range requests on local storage, a redirect on S3)"""
    session = recording_sessions.get_session(session_id)
    video = find_video(session.id, video_id)
    if video is None or video.status != "complete":
        raise NotFound(f"Video {video_id} is not a completed upload of this session.",
                       "video_not_found")
    response = send_stored(video.storage_key,
                       content_type=VIDEO_CONTENT_TYPES.get(video.file_extension, "application/octet-stream"),
                       filename=f"{video.video_id}.{video.file_extension}")
    audit.record("download", actor=current_user(), address=request.remote_addr, session_id=session.id,
                 target_kind="video", target_id=video_id)
    return response
