"""Reading the tus request headers: the protocol version, lengths, offsets and the body."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from flask import request
from marshmallow import ValidationError
from werkzeug.exceptions import ClientDisconnected

from facial_backend.errors import ApiError, BadRequest, validation_error
from facial_backend.schemas.tus import UploadMetadataSchema
from facial_backend.services.tus import protocol

READ_PIECE = 1024 * 1024
_NUMBER = re.compile(r"[0-9]{1,19}")  # the whole value: fullmatch
_METADATA = UploadMetadataSchema()


def tus_request(view: Callable) -> Callable:
    """Refuse a request without ``Tus-Resumable: 1.0.0`` (412, naming the version spoken)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.headers.get("Tus-Resumable") != protocol.VERSION:
            raise protocol.version_error()
        return view(*args, **kwargs)
    return wrapper


def number(name: str, *, required: bool = False) -> int | None:
    """A header holding a non-negative integer in plain digits."""
    value = request.headers.get(name)
    if value is None:
        if required:
            raise BadRequest(f"Missing header {name}.", "missing_header", fields={name: ["Missing."]})
        return None
    if not _NUMBER.fullmatch(value.strip()):
        raise BadRequest(f"{name} must be a non-negative integer in digits.", "invalid_header",
                         fields={name: ["Not a non-negative integer."]})
    return int(value)


def creation_length() -> int | None:
    """``Upload-Length``, or None with ``Upload-Defer-Length: 1``; one of them is required."""
    length = number("Upload-Length")
    deferred = request.headers.get("Upload-Defer-Length")
    if deferred is not None and deferred.strip() != "1":
        raise BadRequest("Upload-Defer-Length must be 1.", "invalid_header",
                         fields={"Upload-Defer-Length": ["Must be 1."]})
    if (length is None) == (deferred is None):
        raise BadRequest("Send either Upload-Length or Upload-Defer-Length: 1.", "missing_header",
                         fields={"Upload-Length": ["Either this or Upload-Defer-Length: 1."]})
    return length


def upload_metadata() -> dict[str, str]:
    """``Upload-Metadata`` decoded (``protocol``) and its values validated (400 naming them)."""
    decoded = protocol.parse_metadata(request.headers.get("Upload-Metadata"))
    try:
        valid = _METADATA.load(decoded)
    except ValidationError as exc:
        raise validation_error({"Upload-Metadata": exc.messages}, status=400, location="header",
                               code="invalid_upload_metadata") from None
    return {key: value for key, value in valid.items() if value is not None}


def carries_bytes() -> bool:
    return request.mimetype == protocol.OFFSET_CONTENT_TYPE


def require_offset_body() -> None:
    if not carries_bytes():
        raise ApiError(415, "unsupported_media_type",
                       f"A PATCH body must be sent as {protocol.OFFSET_CONTENT_TYPE}.",
                       fields={"Content-Type": [f"Must be {protocol.OFFSET_CONTENT_TYPE}."]})


def body_pieces(limit: int, idle_timeout: float) -> Iterator[bytes]:
    """The body in pieces of up to 1 MiB; ends early, without an error, when the client goes
    away mid-body or sends nothing for ``idle_timeout`` seconds (what arrived is kept)."""
    request.max_content_length = limit
    stream = request.stream
    with _idle_timeout(idle_timeout):
        try:
            while piece := stream.read(READ_PIECE):
                yield piece
        except (ClientDisconnected, OSError):
            return


@contextmanager
def _idle_timeout(seconds: float) -> Iterator[None]:
    """Under gunicorn, a read of the client's socket that waits ``seconds`` fails (a client that
    vanished without closing would else hold the upload's lock until TCP gives up on it)."""
    sock = request.environ.get("gunicorn.socket")
    if sock is None:
        yield
        return
    previous = sock.gettimeout()
    sock.settimeout(seconds)
    try:
        yield
    finally:
        with suppress(OSError):
            sock.settimeout(previous)
