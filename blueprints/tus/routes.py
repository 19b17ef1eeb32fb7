"""tus 1.0.0 at ``/files/``: creation (with upload, deferred length), HEAD, PATCH, DELETE and
OPTIONS. ``Upload-Metadata`` says where the file ends: a recording-app video or an iPhone
recording (see ``services.tus.destinations``)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, request, url_for
from werkzeug.http import http_date

from blueprints.tus import headers
from facial_backend.auth import authenticate_request
from facial_backend.errors import NotFound
from facial_backend.rest import Blueprint
from facial_backend.services.tus import protocol, uploads

bp = Blueprint("tus", __name__, url_prefix="/files",
               description="Resumable uploads (tus 1.0.0: creation, creation-with-upload, "
                           "creation-defer-length, termination, expiration, checksum)")

_TUS_RESUMABLE = {"in": "header", "name": "Tus-Resumable", "required": True,
                  "schema": {"type": "string", "enum": [protocol.VERSION]}}
_UPLOAD_OFFSET = {"in": "header", "name": "Upload-Offset", "required": True,
                  "schema": {"type": "integer", "minimum": 0}}
_UPLOAD_LENGTH = {"in": "header", "name": "Upload-Length", "schema": {"type": "integer", "minimum": 1}}
_DEFER_LENGTH = {"in": "header", "name": "Upload-Defer-Length", "schema": {"type": "string", "enum": ["1"]}}
_METADATA = {"in": "header", "name": "Upload-Metadata", "schema": {"type": "string"},
             "description": "Comma-separated `key base64(value)`: `session_id` + `video_id` (+ "
                            "`filename`/`filetype`) for a recording-app video, or `recording_id` "
                            "(with the owner's bearer token) for an iPhone recording."}
_CHECKSUM = {"in": "header", "name": "Upload-Checksum", "schema": {"type": "string"},
             "description": "`sha1 <base64 digest>` or `sha256 <base64 digest>` of this body."}
_ID = {"in": "path", "name": "upload_id", "required": True,
       "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}
_SECURITY = [{"bearer": []}, {}]
_OFFSET_BODY = {"required": False, "content": {protocol.OFFSET_CONTENT_TYPE: {
    "schema": {"type": "string", "format": "binary"}, "example": "the next bytes of the file"}}}


@bp.after_request
def protocol_headers(response: Response) -> Response:
    response.headers["Tus-Resumable"] = protocol.VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


def _body() -> Iterator[bytes]:
    config = current_app.config
    return headers.body_pieces(max(config["TUS_MAX_SIZE"], config["RECORDING_MAX_BYTES"]),
                               config["TUS_IDLE_TIMEOUT"])


def _upload_id(upload_id: str) -> str:
    if len(upload_id) != 32 or not upload_id.isalnum():
        raise NotFound("No such upload.", "upload_not_found")
    return upload_id


def _state_headers(upload, response: Response) -> Response:
    """The offset (and, while unfinished, the expiry) of a ``services.tus`` upload."""
    response.headers["Upload-Offset"] = str(upload.length if upload.status == "complete" else upload.offset)
    if upload.status == "receiving":
        response.headers["Upload-Expires"] = http_date(upload.expires_at)
    return response


_CAPABILITIES = {204: {"description": "Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm"}}


@bp.route("/", methods=["OPTIONS"])
@bp.doc(operationId="tusCapabilities", summary="What this tus server supports", responses=_CAPABILITIES)
def capabilities():
    return _capabilities()


@bp.route("/<upload_id>", methods=["OPTIONS"])
@bp.doc(operationId="tusCapabilitiesOfUpload", summary="What this tus server supports (any upload's URL)",
        parameters=[_ID], responses=_CAPABILITIES)
@bp.errors((404, "The id holds a control character: no such URL"))
def capabilities_of_upload(upload_id):
    return _capabilities()


def _capabilities() -> Response:
    response = Response(status=204)
    response.headers.update({
        "Tus-Version": protocol.VERSION,
        "Tus-Extension": ",".join(protocol.EXTENSIONS),
        "Tus-Max-Size": str(current_app.config["TUS_MAX_SIZE"]),
        "Tus-Checksum-Algorithm": ",".join(protocol.CHECKSUM_ALGORITHMS),
    })
    return response


@bp.route("/", methods=["POST"])
@bp.doc(operationId="tusCreateUpload", summary="Create an upload, optionally with its first bytes",
        parameters=[_TUS_RESUMABLE, _UPLOAD_LENGTH, _DEFER_LENGTH, _METADATA, _CHECKSUM],
        requestBody=_OFFSET_BODY, security=_SECURITY,
        responses={201: {"description": "Created: Location, Upload-Offset, Upload-Expires"}})
@bp.errors((400, "Bad header or metadata (named)"), (401, "A token is required"),
           (404, "Unknown session or recording"), (409, "The video is complete or uploading in chunks"),
           (412, "Tus-Resumable is not 1.0.0"), (413, "Upload-Length over the limit"),
           (460, "Upload-Checksum does not match the body"))
@headers.tus_request
def create_upload():
    user = authenticate_request()
    length = headers.creation_length()
    upload = uploads.create(length=length, metadata=headers.upload_metadata(),
                            metadata_header=request.headers.get("Upload-Metadata"), user=user)
    if headers.carries_bytes() and request.content_length:
        upload = uploads.append(upload.id, user, 0, _body(),
                                sent_length=request.content_length,
                                checksum=protocol.parse_checksum(request.headers.get("Upload-Checksum")))
    response = Response(status=201)
    response.headers["Location"] = url_for("tus.upload_status", upload_id=upload.id, _external=True)
    return _state_headers(upload, response)


@bp.route("/<upload_id>", methods=["HEAD"])
@bp.doc(operationId="tusUploadStatus", summary="How many bytes of the upload are stored",
        parameters=[_ID, _TUS_RESUMABLE], security=_SECURITY,
        responses={200: {"description": "Upload-Offset, Upload-Length (or Upload-Defer-Length), "
                                        "Upload-Metadata, Upload-Expires"}})
@bp.errors((404, "No such upload"), (410, "Expired"), (412, "Tus-Resumable is not 1.0.0"))
@headers.tus_request
def upload_status(upload_id):
    upload = uploads.status(_upload_id(upload_id), authenticate_request())
    response = Response(status=200)
    if upload.length is None:
        response.headers["Upload-Defer-Length"] = "1"
    else:
        response.headers["Upload-Length"] = str(upload.length)
    if upload.metadata_header:
        response.headers["Upload-Metadata"] = upload.metadata_header
    return _state_headers(upload, response)


@bp.route("/<upload_id>", methods=["PATCH"])
@bp.doc(operationId="tusAppend", summary="Append bytes at Upload-Offset",
        parameters=[_ID, _TUS_RESUMABLE, _UPLOAD_OFFSET, _UPLOAD_LENGTH, _CHECKSUM],
        requestBody={**_OFFSET_BODY, "required": True}, security=_SECURITY,
        responses={204: {"description": "Stored; Upload-Offset is the new offset"}})
@bp.errors((400, "Bad header (named)"), (404, "No such upload"), (409, "Upload-Offset is not the stored offset, or another host stages the upload"),
           (410, "Expired"), (412, "Tus-Resumable is not 1.0.0"), (413, "Past the upload's length"),
           (415, "Content-Type is not application/offset+octet-stream"),
           (423, "Another request is writing to this upload"), (460, "Upload-Checksum does not match"))
@headers.tus_request
def append_to_upload(upload_id):
    upload_id = _upload_id(upload_id)
    user = authenticate_request()
    headers.require_offset_body()
    offset = headers.number("Upload-Offset", required=True)
    checksum = protocol.parse_checksum(request.headers.get("Upload-Checksum"))
    upload = uploads.append(upload_id, user, offset, _body(),
                            sent_length=request.content_length, checksum=checksum,
                            upload_length=headers.number("Upload-Length"))
    return _state_headers(upload, Response(status=204))


@bp.route("/<upload_id>", methods=["DELETE"])
@bp.doc(operationId="tusTerminate", summary="Stop an upload and remove its stored bytes",
        parameters=[_ID, _TUS_RESUMABLE], security=_SECURITY,
        responses={204: {"description": "Removed"}})
@bp.errors((404, "No such upload"), (412, "Tus-Resumable is not 1.0.0"),
           (423, "Another request is writing to this upload"))
@headers.tus_request
def terminate_upload(upload_id):
    uploads.terminate(_upload_id(upload_id), authenticate_request(), request.remote_addr)
    return Response(status=204)
