"""Multipart bodies that fit in memory, split in one pass over the whole body.

Werkzeug's streaming parser examines the body 64 KiB at a time with regular expressions
compiled for each request's boundary: about 1 ms of Python per MiB, most of a video chunk's
parsing. A body small enough to be held in memory anyway (``IN_MEMORY_BODY_LIMIT``) is read
whole and split with ``bytes.find`` instead. Anything this splitter does not recognise as a
well-formed RFC 7578 body (bare LF line breaks, whitespace after a boundary, a missing closing
boundary...) goes to Werkzeug's parser, so the result never differs from Werkzeug's.
"""

from __future__ import annotations

import io
from typing import IO, Any

from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header

IN_MEMORY_BODY_LIMIT = 16 * 1024 * 1024
_CHARSETS = {"ascii", "us-ascii", "utf-8", "iso-8859-1"}


class NotSplittable(Exception):
    """The body is not in the plain form this splitter handles."""


class Part:
    __slots__ = ("headers", "name", "filename", "data")

    def __init__(self, headers: Headers, name: str, filename: str | None, data: memoryview):
        self.headers = headers
        self.name = name
        self.filename = filename
        self.data = data


def split_multipart(body: bytes, boundary: bytes, max_parts: int | None) -> list[Part]:
    """The parts of a body of the form ``--b CRLF headers CRLF CRLF data CRLF --b ... --b--``."""
    opening = b"--" + boundary
    delimiter = b"\r\n" + opening
    start = 2 if body.startswith(b"\r\n") else 0  # an empty preamble
    if not body.startswith(opening + b"\r\n", start):
        raise NotSplittable
    view = memoryview(body)
    parts: list[Part] = []
    position = start + len(opening) + 2
    while True:
        headers_end = body.find(b"\r\n\r\n", position)
        data_end = body.find(delimiter, headers_end + 4)
        if headers_end <= position or data_end < 0:
            raise NotSplittable
        headers = _headers(body[position:headers_end])
        parts.append(_part(headers, view[headers_end + 4:data_end]))
        if max_parts is not None and len(parts) > max_parts:
            raise RequestEntityTooLarge()
        position = data_end + len(delimiter)
        if body[position:position + 5] in (b"--", b"--\r\n"):  # the end, without copying the rest
            return parts
        if body[position:position + 2] != b"\r\n":
            raise NotSplittable
        position += 2


def _headers(block: bytes) -> Headers:
    headers = Headers()
    if not block:
        return headers
    for line in block.split(b"\r\n"):
        name, colon, value = line.decode().partition(":")
        if not colon or not name or name[0] in " \t":
            raise NotSplittable  # folded or malformed header lines: Werkzeug's rules apply
        headers.add(name.strip(" \t"), value.strip(" \t"))
    return headers


def _part(headers: Headers, data: memoryview) -> Part:
    disposition, options = parse_options_header(headers.get("content-disposition"))
    if disposition != "form-data" or "name" not in options:
        raise NotSplittable
    return Part(headers, options["name"], options.get("filename"), data)


def _read_exactly(stream: IO[bytes], length: int) -> bytes:
    """The whole body (shorter only if the client stopped sending)."""
    pieces = []
    remaining = length
    while remaining > 0 and (piece := stream.read(remaining)):
        pieces.append(piece)
        remaining -= len(piece)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


class ServiceFormDataParser(FormDataParser):
    """Werkzeug's form parser, with ``split_multipart`` for bodies that fit in memory."""

    def _parse_multipart(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                         options: dict[str, str]) -> Any:
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary or content_length is None or content_length > IN_MEMORY_BODY_LIMIT:
            return super()._parse_multipart(stream, mimetype, content_length, options)
        body = _read_exactly(stream, content_length)
        try:
            parts = split_multipart(body, boundary, self.max_form_parts)
        except NotSplittable:
            return super()._parse_multipart(io.BytesIO(body), mimetype, content_length, options)
        fields: list[tuple[str, str]] = []
        files: list[tuple[str, FileStorage]] = []
        for part in parts:
            if part.filename is None:
                fields.append((part.name, self._field_value(part)))
            else:
                files.append((part.name, FileStorage(io.BytesIO(part.data), part.filename,
                                                     part.name, headers=part.headers)))
        return stream, self.cls(fields), self.cls(files)

    def _field_value(self, part: Part) -> str:
        if self.max_form_memory_size is not None and len(part.data) > self.max_form_memory_size:
            raise RequestEntityTooLarge()
        charset = parse_options_header(part.headers.get("content-type"))[1].get("charset", "")
        encoding = charset.lower() if charset.lower() in _CHARSETS else "utf-8"
        return bytes(part.data).decode(encoding, "replace")

