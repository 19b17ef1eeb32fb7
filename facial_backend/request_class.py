"""The app's request class: file parts of small bodies stay in memory.

Werkzeug spools any file part over 500 KB to a temporary file; a 1 MiB video chunk would be
written to disk once more before the service writes it where it belongs.
"""

from __future__ import annotations

import io
from typing import IO

from flask import Request

IN_MEMORY_BODY_LIMIT = 16 * 1024 * 1024


class ServiceRequest(Request):
    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        if total_content_length is not None and total_content_length <= IN_MEMORY_BODY_LIMIT:
            return io.BytesIO()
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)
