"""HTTP routes of the evaluator/client apps (seeds 000/002, ORIGINS A.1): client picker,
presence, audio segments. Sign-in is in ``auth``; Socket.IO events are in ``live_socket``."""

import functools

from flask import Blueprint, current_app, jsonify

from blueprints.shared.stored_media import send_stored
from facial_backend import blocking_work
from facial_backend.api import body, doc, max_body, query
from facial_backend.auth import current_user, login_required
from facial_backend.errors import ApiError, BadRequest, NotFound
from facial_backend.schemas import live as schemas
from facial_backend.services.live import presence, segments

bp = Blueprint("live_http", __name__)
TAGS = ["live sessions"]


def _one_large_body_at_a_time(view):
    """Handle one such request at a time in this worker, so that a burst of segments queues
    (in the kernel's socket buffers) instead of crowding out the signals relayed meanwhile."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with blocking_work.large_body_turn():
            return view(*args, **kwargs)
    return wrapper


@bp.get("/api/clients")
@doc("Online clients of a package, for the evaluator's picker (each once, with inSession)",
     tags=TAGS, responses={200: schemas.ClientListSchema, 400: "Unknown package"})
@login_required(open=True)
@query(schemas.ClientsQuerySchema, status=400)
def clients(query):
    package = (query["package"] or "").strip().lower()
    if not package:
        return jsonify(clients=[])
    if package not in schemas.PACKAGES:
        raise BadRequest(f"package must be one of {', '.join(schemas.PACKAGES)}", "invalid_package")
    return jsonify(clients=presence.list_clients(package))


@bp.post("/api/presence")
@doc("Heartbeat of a client that is not on Socket.IO (MQTT); lasts PRESENCE_TTL", tags=TAGS,
     responses={200: schemas.OkSchema, 400: "Missing fields or not a client", 403: "Token of another user"})
@login_required(open=True)
@body(schemas.PresenceSchema, status=400, allow_empty=True)
def report_presence(body):
    user = current_user()
    if user is not None and body["userId"] and user.username != body["userId"] \
            and user.role not in ("admin", "operator"):
        raise ApiError(403, "forbidden", "userId does not match the token")
    presence.report_presence(body["userId"], body["package"])
    return jsonify(ok=True)


@bp.post("/api/session/segment")
@doc("Store the audio segment of one image (one record per session, evaluator, client, image)",
     tags=TAGS, responses={200: schemas.SegmentSavedSchema,
                           400: "signedUrl or audioBase64 required / invalid fields or base64",
                           403: "Ids do not match the session or the token",
                           413: "Body larger than SEGMENT_MAX_BYTES"})
@login_required(open=True)
@max_body(lambda: current_app.config["SEGMENT_MAX_BYTES"])
@_one_large_body_at_a_time
@body(schemas.SegmentSchema, status=400, lift="audioBase64")
def post_segment(body):
    segment = segments.save_segment(body, current_user())
    return jsonify(ok=True, segmentId=segment.id)


@bp.get("/api/session/segments")
@doc("Stored segments (an evaluator sees only their own sessions')", tags=TAGS,
     responses={200: schemas.SegmentListSchema, 401: "No token", 403: "Role not allowed"})
@login_required(segments.READER_ROLES)
@query(schemas.SegmentQuerySchema, status=400)
def list_segments(query):
    found = segments.list_segments(current_user(), query["sessionId"], query["clientId"])
    return jsonify(segments=[segments.to_json(segment) for segment in found])


@bp.get("/api/session/segments/<segment_id>/audio")
@doc("A segment's audio (Range requests locally, a presigned redirect on S3)", tags=TAGS,
     responses={200: "audio/mp4", 206: "Partial content", 302: "Presigned URL", 404: "Not found"})
@login_required(segments.READER_ROLES)
def segment_audio(segment_id):
    segment = segments.get_segment(current_user(), segment_id)
    if segment.audio_key is None:
        raise NotFound("This segment has no audio", "no_audio")
    filename = segment.audio_key.rsplit("/", 1)[-1]
    return send_stored(segment.audio_key, content_type=segment.content_type or segments.AUDIO_TYPE,
                       filename=filename)

