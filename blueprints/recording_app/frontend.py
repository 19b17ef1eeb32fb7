"""The recording app's web frontend, served from FRONTEND_DIR beside the API: ``/`` is its
index.html, any other path not taken by the API a file of the folder.

Files are served only from inside the folder (no ``..``, no hidden files), with a content type
from their extension, validators for conditional requests, and caching: HTML is always
revalidated, everything else is cached for FRONTEND_MAX_AGE.
"""

from __future__ import annotations

import mimetypes

from flask import Blueprint, current_app, send_from_directory
from werkzeug.security import safe_join

from facial_backend.errors import NotFound

bp = Blueprint("frontend", __name__)
INDEX = "index.html"
# The web's types, whatever the machine's mime.types says.
_WEB_TYPES = {".html": "text/html", ".htm": "text/html", ".js": "text/javascript",
              ".mjs": "text/javascript", ".css": "text/css", ".json": "application/json",
              ".webmanifest": "application/manifest+json", ".svg": "image/svg+xml",
              ".wasm": "application/wasm", ".map": "application/json", ".ico": "image/x-icon",
              ".txt": "text/plain", ".woff2": "font/woff2", ".woff": "font/woff"}


def enabled() -> bool:
    return bool(current_app.config["FRONTEND_DIR"])


def _content_type(path: str) -> str:
    suffix = path[path.rfind("."):].lower() if "." in path.rpartition("/")[2] else ""
    return _WEB_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def send_frontend_file(path: str):
    """One file of FRONTEND_DIR; a JSON 404 for anything outside it, hidden or missing."""
    folder = current_app.config["FRONTEND_DIR"]
    if any(part.startswith(".") for part in path.split("/")) or safe_join(folder, path) is None:
        raise NotFound("Not Found")
    is_html = _content_type(path) == "text/html"
    response = send_from_directory(folder, path, mimetype=_content_type(path),
                                   max_age=0 if is_html else int(current_app.config["FRONTEND_MAX_AGE"]))
    if is_html:
        response.cache_control.no_cache = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_index():
    return send_frontend_file(INDEX)


@bp.record_once
def add_file_route(state) -> None:
    """With FRONTEND_DIR set, every GET path the API does not take is looked up in the folder."""
    if state.app.config["FRONTEND_DIR"]:
        state.app.add_url_rule("/<path:path>", endpoint="frontend_file", view_func=send_frontend_file,
                               methods=["GET"])
