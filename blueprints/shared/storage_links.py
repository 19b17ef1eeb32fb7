"""The web side of the local storage backend's presigned URLs: the POST a phone sends to S3
(``/storage/upload``) and signed, expiring downloads (``/storage/objects/<key>``).

Both only exist on the local backend (404 on S3, whose own URLs are handed out instead). The
signature is the credential: no bearer token is needed.
"""

from flask import Response, current_app, request, send_file

from facial_backend.errors import ApiError, NotFound
from facial_backend.extensions import get_storage
from facial_backend.rest import Blueprint, max_body
from facial_backend.schemas import storage_links as schemas
from facial_backend.services.recordings.presigned_post import ENVELOPE_BYTES, receive_presigned_post
from storage import ExpiredSignature, InvalidKey, ObjectNotFound, SignatureError, verify_download
from storage.content_types import guess_content_type

bp = Blueprint("storage_links", __name__, description="Presigned links of the local storage backend")

_TEXT = {"type": "string"}
_UPLOAD_FORM = {"type": "object", "required": ["key", "policy", "x-amz-signature", "file"], "properties": {
    "key": {**_TEXT, "description": "The object key the presigned POST was made for."},
    "Content-Type": {**_TEXT, "description": "The content type the policy allows."},
    "policy": {**_TEXT, "description": "The base64 policy document of the presigned POST."},
    "x-amz-algorithm": {**_TEXT, "description": "Signing algorithm, as S3 sends it."},
    "x-amz-credential": {**_TEXT, "description": "Credential scope, as S3 sends it."},
    "x-amz-date": {**_TEXT, "description": "Signing date, as S3 sends it."},
    "x-amz-signature": {**_TEXT, "description": "The policy's signature."},
    "file": {"type": "string", "format": "binary", "description": "The file, as the last part."}}}
_UPLOAD_EXAMPLE = {"key": "recordings/alice/rec_1/video.mp4", "Content-Type": "video/mp4",
                   "policy": "eyJleHBpcmF0aW9uIjogIi4uLiJ9", "x-amz-signature": "3f1c...",
                   "file": "(binary)"}


def _local_storage():
    storage = get_storage()
    if storage.name != "local":
        raise NotFound("Not Found")
    return storage


@bp.post("/storage/upload")
@max_body(lambda: current_app.config["RECORDING_MAX_BYTES"] + ENVELOPE_BYTES)
@bp.doc(requestBody={"required": True, "content": {"multipart/form-data": {
    "schema": _UPLOAD_FORM, "example": _UPLOAD_EXAMPLE}}},
    responses={"204": {"description": "Stored"}})
@bp.errors((400, "Malformed multipart body or no file part"), (403, "Refused by the policy"),
           (404, "Not the local backend"), (413, "Larger than any recording may be"))
def presigned_upload():
    """Presigned POST upload (local backend): the form a client would send to S3

    Form fields of the presigned upload, then the file part `file` last. Every policy condition
    is checked (signature, expiry, key, Content-Type, encryption field, size range); a refused
    upload stores nothing. The body is read as a stream, never whole."""
    storage = _local_storage()
    receive_presigned_post(storage, request.stream, request.headers.get("Content-Type"),
                           request.content_length, storage.signing_key)
    return Response(status=204)


@bp.get("/storage/objects/<path:key>")
@bp.arguments(schemas.SignedDownloadQuerySchema, location="query")
@bp.doc(responses={"200": {"description": "The object", "content": {
    "*/*": {"schema": {"type": "string", "format": "binary"}}}},
    "206": {"description": "Part of the object (Range)"}})
@bp.errors((403, "Bad or expired signature"), (404, "No such object"))
def signed_download(key: str, query):
    """Signed, expiring download of a stored object (local backend), with Range support"""
    storage = _local_storage()
    filename = query.get("filename") or None
    content_type = query.get("content_type") or None
    try:
        verify_download(key, query.get("expires"), query.get("signature"),
                        filename, content_type, storage.signing_key)
        path = storage.local_path(key)
    except ExpiredSignature:
        raise ApiError(403, "link_expired", "This download link has expired.") from None
    except SignatureError:
        raise ApiError(403, "bad_signature", "The download link's signature does not match.") from None
    except (InvalidKey, ObjectNotFound):
        raise NotFound("No such object.", "object_not_found") from None
    return send_file(path, mimetype=content_type or guess_content_type(key) or "application/octet-stream",
                     conditional=True, etag=True, max_age=0, as_attachment=filename is not None,
                     download_name=filename)
