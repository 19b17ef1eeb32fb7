"""Keeping a gevent worker's event loop free while large bodies arrive (segments, video
chunks): ``cooperate`` yields to the other greenlets (``request_class.LargePieceInput`` does
after every piece of a body), requests with multi-MiB bodies take turns, and blocking disk work
(a write with fsync, hashing) goes to a native thread.
Outside a gevent worker (tests, CLI) everything runs in place, and so does the work of a
request that holds SQLite's write lock: SQLite waits for that lock inside C, so another
request asking for it while this one waited for its thread would freeze the whole loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import gevent
from flask import has_app_context
from gevent import get_hub, monkey

from facial_backend.extensions import db
from facial_backend.perf import server_timing

T = TypeVar("T")
# gevent's semaphore once gevent has patched ``threading`` (before the app is imported).
_large_body_turns = threading.Semaphore(1)


def _patched() -> bool:
    return monkey.is_module_patched("socket")


def cooperate() -> None:
    """Let the other greenlets run (a no-op outside a gevent worker)."""
    if _patched():
        gevent.sleep(0)


@contextmanager
def large_body_turn() -> Iterator[None]:
    """One request with a multi-MiB body handled at a time in this process; the others wait
    for their turn without reading their bodies."""
    with _large_body_turns:
        yield


def in_thread(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in gevent's native thread pool (for work that releases the GIL, such as
    disk writes and fsync); exceptions propagate. ``func`` must not need the app context.
    Its duration counts as the request's time in threads (``server_timing.THREADS``)."""
    if _patched() and not _holds_sqlite_write_lock():
        seconds, result = get_hub().threadpool.spawn(_timed, func, *args).get()
        server_timing.add(server_timing.THREADS, seconds)
        return result
    return func(*args)


def _timed(func: Callable[..., T], *args: Any) -> tuple[float, T]:
    """(seconds taken, result) of ``func(*args)``."""
    started = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - started, result


def _holds_sqlite_write_lock() -> bool:
    """Whether this request's SQLite connection has begun writing (the driver opens the
    transaction, and takes the lock, at the first INSERT, UPDATE or DELETE)."""
    if not has_app_context():
        return False
    session = db.session()
    if session.get_transaction() is None:
        return False
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return False
    return connection.connection.dbapi_connection.in_transaction
