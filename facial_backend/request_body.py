"""A request's whole body as bytes. A body sent without ``Content-Length`` (chunked transfer
encoding) that goes past the route's size limit is refused with 413: Werkzeug stops reading
exactly at the limit and would hand back the body cut there."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge


def whole_body() -> bytes:
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit \
            and request.input_stream.read(1):
        raise RequestEntityTooLarge()
    return raw
