"""The ``Server-Timing`` response header (W3C Server Timing): how a request's time in the app
(``total``) splits up, so the service's own time can be told apart from waiting.

- ``worker``: the time the worker spent on this request: running its greenlet on the event
  loop, plus ``threads``, its work in native threads (``offload.in_thread``: disk writes,
  fsync, hashing). Time the loop gave to other requests, or spent waiting for the client, a
  database server or the object store, is not in it.
- ``db``: in database queries; ``storage``: in calls to a remote object store (S3).

Browsers' developer tools show the header; nginx can log ``$upstream_http_server_timing``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import greenlet
from flask import Flask, g, has_app_context
from sqlalchemy import event

from facial_backend.extensions import db, get_storage

DB = "db"
STORAGE = "storage"
THREADS = "threads"
WORKER = "worker"

_loop_clocks: dict[greenlet.greenlet, list[float]] = {}
"""Per request greenlet: its seconds on the loop, counted at each switch away from it."""
_switched_at = time.perf_counter()
_previous_tracer: Callable | None = None
_tracing = False


def _count_switch(event_name: str, args: tuple) -> None:
    global _switched_at
    now = time.perf_counter()
    if event_name in ("switch", "throw"):
        clock = _loop_clocks.get(args[0])
        if clock is not None:
            clock[0] += now - _switched_at
    _switched_at = now
    if _previous_tracer is not None:
        _previous_tracer(event_name, args)


def _trace_switches(on: bool) -> None:
    """Count greenlet switches in this thread while a request is timed (a tracer set before
    ours is kept and called): WebSocket traffic alone pays nothing for it."""
    global _previous_tracer, _tracing
    if on and not _tracing:
        _previous_tracer = greenlet.settrace(_count_switch)
    elif not on and _tracing:
        greenlet.settrace(_previous_tracer)
    _tracing = on


def start_loop_clock() -> None:
    """Start counting the current greenlet's time on the loop from now."""
    global _switched_at
    if not _loop_clocks:
        _switched_at = time.perf_counter()
        _trace_switches(True)
    _loop_clocks[greenlet.getcurrent()] = [_switched_at - time.perf_counter()]


def stop_loop_clock() -> float:
    """The current greenlet's seconds on the loop since ``start_loop_clock``; stops counting."""
    clock = _forget_loop_clock()
    if clock is None:
        return 0.0
    return clock[0] + time.perf_counter() - _switched_at


def _forget_loop_clock() -> list[float] | None:
    clock = _loop_clocks.pop(greenlet.getcurrent(), None)
    if not _loop_clocks:
        _trace_switches(False)
    return clock


def add(metric: str, seconds: float) -> None:
    """Count ``seconds`` towards ``metric`` of the current request (ignored outside one, e.g. in
    a storage transfer thread)."""
    if has_app_context():
        waits = g.setdefault("server_timing", {})
        waits[metric] = waits.get(metric, 0.0) + seconds


def metrics() -> dict[str, float]:
    """Seconds per metric counted so far in this request."""
    return dict(g.get("server_timing") or {})


def header(total_seconds: float) -> str:
    parts = [f"{metric};dur={seconds * 1000:.2f}" for metric, seconds in sorted(metrics().items())]
    return ", ".join([*parts, f"total;dur={total_seconds * 1000:.2f}"])


def parse(value: str) -> dict[str, float]:
    """A ``Server-Timing`` header's durations in ms, by metric (``{"total": 3.1, "db": 0.4}``)."""
    parts = (part.strip().partition(";dur=") for part in value.split(","))
    return {name: float(duration) for name, _, duration in parts}


def _query_started(_conn, _cursor, _statement, _parameters, context, _executemany) -> None:
    if context is not None:
        context.server_timing_started = time.perf_counter()


def _query_ended(_conn, _cursor, _statement, _parameters, context, _executemany) -> None:
    started = getattr(context, "server_timing_started", None)
    if started is not None:
        add(DB, time.perf_counter() - started)


def init_app(app: Flask) -> None:
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _query_started)
        event.listen(db.engine, "after_cursor_execute", _query_ended)
        get_storage().time_remote_calls(lambda seconds: add(STORAGE, seconds))

    app.before_request(start_loop_clock)

    @app.after_request
    def server_timing_header(response):
        add(WORKER, stop_loop_clock() + metrics().get(THREADS, 0.0))
        started = g.get("request_started")
        if started is not None:
            response.headers["Server-Timing"] = header(time.perf_counter() - started)
        return response

    @app.teardown_request
    def forget_loop_clock(_exc):
        _forget_loop_clock()
