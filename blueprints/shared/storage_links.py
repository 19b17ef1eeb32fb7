"""The web side of the local storage backend's presigned URLs: the POST a phone sends to S3
(``/storage/upload``) and signed, expiring downloads (``/storage/objects/<key>``).

Both only exist on the local backend (404 on S3, whose own URLs are handed out instead). The
signature is the credential: no bearer token is needed.
"""

from flask import Blueprint, Response, current_app, request, send_file

from facial_backend.api import doc, max_body
from facial_backend.errors import ApiError, NotFound
from facial_backend.extensions import get_storage
from facial_backend.services.recordings.presigned_post import ENVELOPE_BYTES, receive_presigned_post
from storage import ExpiredSignature, InvalidKey, ObjectNotFound, SignatureError, verify_download
from storage.content_types import guess_content_type

bp = Blueprint("storage_links", __name__)
TAGS = ["storage"]


def _local_storage():
    storage = get_storage()
    if storage.name != "local":
        raise NotFound("Not Found")
    return storage


@bp.post("/storage/upload")
@doc("Presigned POST upload (local backend): the form a client would send to S3", tags=TAGS,
     description="Form fields of the presigned upload, then the file part `file` last. Every "
                 "policy condition is checked (signature, expiry, key, Content-Type, encryption "
                 "field, size range); a refused upload stores nothing.",
     responses={204: "Stored", 400: "Malformed multipart body or no file part",
                403: "Refused by the policy", 404: "Not the local backend",
                413: "Larger than any recording may be"})
@max_body(lambda: current_app.config["RECORDING_MAX_BYTES"] + ENVELOPE_BYTES)
def presigned_upload():
    storage = _local_storage()
    receive_presigned_post(storage, request.stream, request.headers.get("Content-Type"),
                           request.content_length, storage.signing_key)
    return Response(status=204)


@bp.get("/storage/objects/<path:key>")
@doc("Signed, expiring download of a stored object (local backend), with Range support",
     tags=TAGS, responses={200: "The object", 206: "Part of the object",
                           403: "Bad or expired signature", 404: "No such object"})
def signed_download(key: str):
    storage = _local_storage()
    filename = request.args.get("filename") or None
    content_type = request.args.get("content_type") or None
    try:
        verify_download(key, request.args.get("expires"), request.args.get("signature"),
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
