"""The console's own CSS, JavaScript and vendored chart library: served by the service, no CDN."""

from pathlib import Path

from flask import send_from_directory

from facial_backend.console.blueprint import bp
from facial_backend.console.page_answers import console_answers, typed

STATIC_DIR = Path(__file__).parent / "static"
ASSET_MAX_AGE = 3600


@bp.get("/static/<path:filename>")
@console_answers({200: typed("*/*", "The file")}, signed_in=False)
def static_file(filename: str):
    """Console: static assets (CSS, JavaScript, the vendored uPlot and its licence)"""
    return send_from_directory(STATIC_DIR, filename, max_age=ASSET_MAX_AGE)
