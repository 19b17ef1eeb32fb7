"""The browser recording app's API (seed 001): sessions, chunked video upload, metadata."""

from flask import Blueprint, current_app, jsonify, request

from blueprints.shared.stored_media import send_stored
from facial_backend.api import MULTIPART_OVERHEAD, body, doc, form, max_body, query
from facial_backend.auth import login_required
from facial_backend.errors import ApiError, BadRequest, NotFound
from facial_backend.schemas import recording_app as schemas
from facial_backend.services.recording_app import sessions as recording_sessions
from facial_backend.services.recording_app import uploads
from facial_backend.services.recording_app.videos import find_video
from facial_backend.timeutil import isoformat_z

bp = Blueprint("recording_app", __name__)
TAGS = ["recording app"]


@bp.post("/api/session/create")
@doc("Create a recording session", tags=TAGS,
     responses={201: schemas.SessionCreatedSchema, 400: "Invalid fields"})
@login_required(open=True)
@body(schemas.SessionCreateSchema, status=400, allow_empty=True)
def create_session(body):
    session = recording_sessions.create_session(body.get("participant_id"),
                                                body.get("participant_name"), body["video_type"])
    return jsonify(session_id=session.id, created_at=isoformat_z(session.started_at),
                   status=session.status), 201


@bp.post("/api/upload/chunk")
@doc("Upload one chunk of a video (idempotent; the last one completes the video)", tags=TAGS,
     responses={200: schemas.ChunkReceivedSchema, 400: "Invalid fields", 404: "Unknown session",
                409: "Differs from a completed video's chunk", 410: "Upload expired",
                413: "Chunk larger than MAX_CHUNK_BYTES", 422: "chunk_sha256 mismatch"})
@login_required(open=True)
@max_body(lambda: current_app.config["MAX_CHUNK_BYTES"] + MULTIPART_OVERHEAD)
@form(schemas.ChunkFormSchema, status=400, files={"chunk": "The chunk's bytes"})
def upload_chunk(form):
    part = request.files.get("chunk")
    if part is None:
        raise BadRequest("Missing required field: chunk (the file part).", "missing_chunk",
                         fields={"chunk": ["Missing file part."]})
    data = part.stream.read(current_app.config["MAX_CHUNK_BYTES"] + 1)
    if len(data) > current_app.config["MAX_CHUNK_BYTES"]:
        raise ApiError(413, "chunk_too_large",
                       f"A chunk may hold at most {current_app.config['MAX_CHUNK_BYTES']} bytes.")
    outcome = uploads.receive_chunk(
        form["session_id"], form["video_id"], form["chunk_index"], form["total_chunks"], data,
        video_type=form["video_type"], file_extension=form["file_extension"].lower(),
        chunk_sha256=form["chunk_sha256"].lower() if form["chunk_sha256"] else None)
    if outcome.complete:
        return jsonify(status="video_complete", video_id=outcome.video_id, file_path=outcome.file_path)
    return jsonify(status="chunk_received", chunk_index=outcome.chunk_index,
                   total_chunks=outcome.total_chunks, received=outcome.received)


@bp.get("/api/upload/status")
@doc("Which chunks of a video were received (to resume an upload)", tags=TAGS,
     responses={200: schemas.UploadStatusSchema, 404: "Unknown session or video"})
@login_required(open=True)
@query(schemas.UploadStatusQuerySchema, status=400)
def upload_status(query):
    return jsonify(uploads.upload_status(query["session_id"], query["video_id"]))


@bp.post("/api/upload/metadata")
@doc("Store a video's metadata (a retry replaces it)", tags=TAGS,
     responses={200: schemas.MetadataSavedSchema, 400: "Invalid fields", 404: "Unknown session"})
@login_required(open=True)
@body(schemas.VideoMetadataSchema, status=400, raw=True)
def upload_metadata(body):
    session = recording_sessions.get_session(body["session_id"])
    recording_sessions.save_metadata(session, body["video_id"], body)
    return jsonify(status="metadata_saved", video_id=body["video_id"])


@bp.get("/api/session/<session_id>")
@doc("A recording session with each of its videos", tags=TAGS,
     responses={200: schemas.RecordingSessionSchema, 404: "Unknown session"})
@login_required(open=True)
def get_session(session_id):
    return jsonify(recording_sessions.session_document(recording_sessions.get_session(session_id)))


@bp.get("/api/session/<session_id>/videos/<video_id>")
@doc("Download a completed video (Range requests on local storage, a redirect on S3)",
     tags=TAGS, responses={200: "The video", 206: "Part of the video", 302: "Presigned URL",
                           404: "Unknown or incomplete video"})
@login_required(roles=("operator",))
def download_video(session_id, video_id):
    session = recording_sessions.get_session(session_id)
    video = find_video(session.id, video_id)
    if video is None or video.status != "complete":
        raise NotFound(f"Video {video_id} is not a completed upload of this session.",
                       "video_not_found")
    return send_stored(video.storage_key,
                       content_type=uploads.CONTENT_TYPES.get(video.file_extension,
                                                              "application/octet-stream"),
                       filename=f"{video.video_id}.{video.file_extension}")
