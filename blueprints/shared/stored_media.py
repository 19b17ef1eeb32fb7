"""Sending a stored file to a client: straight from disk with Range support on the local
backend, or a redirect to a short-lived presigned URL on S3."""

from flask import Response, redirect, send_file

from facial_backend.errors import NotFound
from facial_backend.extensions import get_storage
from storage import ObjectNotFound

DOWNLOAD_URL_SECONDS = 300


def send_stored(key: str, *, content_type: str, filename: str | None = None,
                as_attachment: bool = False) -> Response:
    storage = get_storage()
    try:
        path = storage.local_path(key)
    except ObjectNotFound:
        raise NotFound("The stored file is missing.", "file_missing") from None
    if path is not None:
        return send_file(path, mimetype=content_type, conditional=True, etag=True,
                         as_attachment=as_attachment, download_name=filename)
    url = storage.presigned_download(key, expires_in=DOWNLOAD_URL_SECONDS, filename=filename,
                                     content_type=content_type)
    return redirect(url, code=302)
