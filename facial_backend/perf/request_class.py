"""How the app reads request bodies: multipart bodies that fit in memory are split in one
pass (``form_parser``), their file parts stay in memory, and large bodies are read from the
server in large pieces.

Werkzeug spools any file part over 500 KB to a temporary file; a 1 MiB video chunk would be
written to disk once more before the service writes it where it belongs.

Werkzeug's parsers read the body 64 KiB at a time. gunicorn (27) answers each such read from
a read-ahead buffer of up to 1 MiB and copies what is left of that buffer every time, so a
large body costs many times its size in copying (a third of the server's time for a 1 MiB
video chunk). ``LargePieceInput`` asks the server for 1 MiB at a time and hands the pieces out,
yielding to the other greenlets after each: a piece served from its buffer never touches the
socket, where a gevent read would otherwise have yielded.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import IO, Any

from flask import Request

from facial_backend.perf.form_parser import IN_MEMORY_BODY_LIMIT, ServiceFormDataParser
from facial_backend.perf.offload import cooperate

READ_PIECE = 1024 * 1024


class ServiceRequest(Request):
    form_data_parser_class = ServiceFormDataParser

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        if total_content_length is not None and total_content_length <= IN_MEMORY_BODY_LIMIT:
            return io.BytesIO()
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)


class LargePieceInput:
    """A ``wsgi.input`` that reads the server's stream ``READ_PIECE`` bytes at a time."""

    def __init__(self, stream: Any):
        self._stream = stream
        self._piece = memoryview(b"")
        self._pos = 0

    def _buffered(self) -> int:
        return len(self._piece) - self._pos

    def _take(self, size: int) -> bytes:
        data = bytes(self._piece[self._pos:self._pos + size])
        self._pos += len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        data = self._read(size)
        cooperate()
        return data

    def _read(self, size: int | None) -> bytes:
        if size is None or size < 0:
            return self._take(self._buffered()) + self._stream.read()
        if not self._buffered():
            data = self._stream.read(max(size, READ_PIECE))
            if len(data) <= size:
                return data
            self._piece, self._pos = memoryview(data), 0
        return self._take(size)

    def readline(self, size: int | None = -1) -> bytes:
        if not self._buffered():
            return self._stream.readline(size)
        end = self._piece.obj.find(b"\n", self._pos, len(self._piece))
        line_end = end + 1 if end >= 0 else len(self._piece)
        if size is not None and size >= 0:
            line_end = min(line_end, self._pos + size)
        line = self._take(line_end - self._pos)
        if line.endswith(b"\n") or (size is not None and 0 <= size <= len(line)):
            return line
        rest = None if size is None or size < 0 else size - len(line)
        return line + self._stream.readline(rest)

    def __iter__(self):
        while line := self.readline():
            yield line


def read_bodies_in_large_pieces(wsgi_app: Callable) -> Callable:
    """WSGI middleware: bodies of a known length over one piece get a ``LargePieceInput``."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > READ_PIECE // 16:
            environ["wsgi.input"] = LargePieceInput(environ["wsgi.input"])
        return wsgi_app(environ, start_response)

    return app
