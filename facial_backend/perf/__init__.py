"""The performance layer: body reading, thread offload, timing, direct writes, malloc and GC
settings.

Business rules never import it; ``init_app`` installs it on an app when the ``PERF_LAYER``
setting is on. Off, the app has Flask's own request class and body reading, does its blocking
work in place with buffered writes, parses JSON bodies whole and sends no ``Server-Timing``.
"""

from __future__ import annotations

from flask import Flask

from facial_backend import blocking_work
from facial_backend.perf import server_timing
from facial_backend.perf.gc_tuning import freeze_startup_objects
from facial_backend.perf.malloc_tuning import keep_large_blocks_in_heap
from facial_backend.perf.offloaded_work import OffloadedWork
from facial_backend.perf.request_class import ServiceRequest, read_bodies_in_large_pieces


def init_app(app: Flask) -> None:
    if not app.config["PERF_LAYER"]:
        return
    keep_large_blocks_in_heap()
    app.request_class = ServiceRequest
    app.wsgi_app = read_bodies_in_large_pieces(app.wsgi_app)
    blocking_work.install(app, OffloadedWork())
    server_timing.init_app(app)


def serving(app: Flask) -> None:
    """Settle a process that will serve ``app`` and nothing else (``wsgi.py``): its start-up
    objects are frozen out of the garbage collector's full passes."""
    if app.config["PERF_LAYER"]:
        freeze_startup_objects()
