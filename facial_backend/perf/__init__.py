"""The performance layer: body reading, thread offload, timing, direct writes.

Business rules never import it; ``init_app`` installs it on an app.
"""

from __future__ import annotations

from flask import Flask

from facial_backend.perf import server_timing
from facial_backend.perf.request_class import ServiceRequest, read_bodies_in_large_pieces


def init_app(app: Flask) -> None:
    app.request_class = ServiceRequest
    app.wsgi_app = read_bodies_in_large_pieces(app.wsgi_app)
    server_timing.init_app(app)
