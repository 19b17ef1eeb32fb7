"""The console's own CSS, JavaScript and vendored chart library: served by the service, no CDN."""

from pathlib import Path

from flask import send_from_directory

from facial_backend.api import doc
from facial_backend.console.blueprint import bp

STATIC_DIR = Path(__file__).parent / "static"
ASSET_MAX_AGE = 3600


@bp.get("/static/<path:filename>")
@doc("Console: static assets (CSS, JavaScript, the vendored uPlot and its licence)", tags=["console (HTML pages)"])
def static_file(filename: str):
    return send_from_directory(STATIC_DIR, filename, max_age=ASSET_MAX_AGE)
