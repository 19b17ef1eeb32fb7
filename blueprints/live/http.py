"""HTTP routes of the evaluator/client apps: client picker, presence, audio segments.
Sign-in is in ``auth``; Socket.IO events are in ``live_socket``."""

import functools

from flask import current_app, request

from blueprints.shared.stored_media import send_stored
from facial_backend import blocking_work
from facial_backend.auth import current_user, login_required
from facial_backend.errors import ApiError, BadRequest, NotFound
from facial_backend.rest import Blueprint, max_body
from facial_backend.schemas import live as schemas
from facial_backend.services.live import presence, segments
from facial_backend.services.shared import audit

bp = Blueprint("live_http", __name__, description="Live sessions of the evaluator/client apps")


def _one_large_body_at_a_time(view):
    """Handle one such request at a time in this worker, so that a burst of segments queues
    (in the kernel's socket buffers) instead of crowding out the signals relayed meanwhile."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with blocking_work.large_body_turn():
            return view(*args, **kwargs)
    return wrapper


@bp.get("/api/clients")
@login_required(open=True)
@bp.arguments(schemas.ClientsQuerySchema, location="query", error_status_code=400)
@bp.response(200, schemas.ClientListSchema)
@bp.errors((400, "Unknown package"))
def clients(query):
    """Online clients of a package, for the evaluator's picker (each once, with inSession)"""
    package = (query["package"] or "").strip().lower()
    if not package:
        return {"clients": []}
    if package not in schemas.PACKAGES:
        raise BadRequest(f"package must be one of {', '.join(schemas.PACKAGES)}", "invalid_package")
    return {"clients": presence.list_clients(package)}


@bp.post("/api/presence")
@login_required(open=True)
@bp.arguments(schemas.PresenceSchema, error_status_code=400, allow_empty=True,
              example={"userId": "client1", "package": "mqtt"})
@bp.response(200, schemas.OkSchema)
@bp.errors((403, "Token of another user"))
def report_presence(body):
    """Heartbeat of a client that is not on Socket.IO (MQTT); lasts PRESENCE_TTL

    400 when fields are missing or the user is not a client."""
    user = current_user()
    if user is not None and body["userId"] and user.username != body["userId"] \
            and user.role not in ("admin", "operator"):
        raise ApiError(403, "forbidden", "userId does not match the token")
    presence.report_presence(body["userId"], body["package"])
    return {"ok": True}


@bp.post("/api/session/segment")
@login_required(open=True)
@max_body(lambda: current_app.config["SEGMENT_MAX_BYTES"])
@_one_large_body_at_a_time
@bp.arguments(schemas.SegmentSchema, error_status_code=400, lift="audioBase64",
              example={"sessionId": "sess1", "evaluatorId": "evaluator1", "clientId": "client1",
                       "imageIndex": 0, "audioBase64": "AAAAIGZ0eXBNNEEg"})
@bp.response(200, schemas.SegmentSavedSchema)
@bp.errors((403, "Ids do not match the session or the token"),
           (413, "Body larger than SEGMENT_MAX_BYTES"))
def post_segment(body):
    """Store the audio segment of one image (one record per session, evaluator, client, image)

    400 when neither signedUrl nor audioBase64 is sent, or a field or the base64 is invalid."""
    return segments.save_segment(body, current_user())


@bp.get("/api/session/segments")
@login_required(segments.READER_ROLES)
@bp.arguments(schemas.SegmentQuerySchema, location="query", error_status_code=400)
@bp.response(200, schemas.SegmentListSchema)
@bp.errors((401, "No token"), (403, "Role not allowed"))
def list_segments(query):
    """Stored segments (an evaluator sees only their own sessions')"""
    return {"segments": segments.list_segments(current_user(), query["sessionId"], query["clientId"])}


@bp.get("/api/session/segments/<segment_id>/audio")
@login_required(segments.READER_ROLES)
@bp.doc(responses={
    "200": {"description": "The audio", "content": {"audio/mp4": {"schema": {"type": "string", "format": "binary"}}}},
    "206": {"description": "Partial content (Range)"},
    "302": {"description": "Presigned URL of the object store"}})
@bp.errors((401, "No token"), (403, "Role not allowed"), (404, "Not found"))
def segment_audio(segment_id):
    """A segment's audio (Range requests locally, a presigned redirect on S3)"""
    segment = segments.get_segment(current_user(), segment_id)
    if segment.audio_key is None:
        raise NotFound("This segment has no audio", "no_audio")
    filename = segment.audio_key.rsplit("/", 1)[-1]
    response = send_stored(segment.audio_key, content_type=segment.content_type or segments.AUDIO_TYPE,
                           filename=filename)
    audit.record("download", actor=current_user(), address=request.remote_addr,
                 session_id=segment.session_id or None, target_kind="segment", target_id=segment.id)
    return response
