"""Keeping a gevent worker's event loop free while large bodies arrive (segments, video
chunks): ``cooperate`` yields to the other greenlets (``request_class.LargePieceInput`` does
after every piece of a body), requests with multi-MiB bodies take turns, a request finishing an
upload goes before the bodies of the others, blocking disk work (a write with fsync, hashing)
goes to a native thread, and work the client need not wait for is done after the answer.
Outside a gevent worker (tests, CLI) everything runs in place, and so does the work of a
request that holds SQLite's write lock: SQLite waits for that lock inside C, so another
request asking for it while this one waited for its thread would freeze the whole loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import gevent
import greenlet
from flask import after_this_request, current_app, has_app_context, has_request_context
from gevent import get_hub, monkey
from gevent.event import Event

from facial_backend.extensions import db
from facial_backend.perf import server_timing

T = TypeVar("T")
log = logging.getLogger(__name__)
# gevent's semaphore once gevent has patched ``threading`` (before the app is imported).
_large_body_turns = threading.Semaphore(1)
FINISHING_PRECEDENCE_S = 0.1
"""How long a request finishing an upload goes first: long enough for a finish, short enough
that a finisher stalled by its client stalls no one."""
_finishing: dict[greenlet.greenlet, float] = {}
"""The requests finishing an upload, each with the monotonic time its precedence ends."""
_none_finishing = Event()
_none_finishing.set()


def _patched() -> bool:
    return monkey.is_module_patched("socket")


def cooperate() -> None:
    """Let the other greenlets run, first the requests finishing an upload (a no-op outside a
    gevent worker)."""
    if _patched():
        _let_finishers_go_first()
        gevent.sleep(0)


def _let_finishers_go_first() -> None:
    if _finishing and greenlet.getcurrent() not in _finishing:
        remaining = max(_finishing.values()) - time.monotonic()
        if remaining > 0:
            _none_finishing.wait(remaining)


@contextmanager
def finishing_turn() -> Iterator[None]:
    """Held by a request that finishes an upload with its last short body: for up to
    FINISHING_PRECEDENCE_S, other requests wait for it before each piece of body they read
    (``cooperate``) and each piece of work they hand to a thread (``in_thread``), so its write
    and sync do not queue behind theirs."""
    current = greenlet.getcurrent()
    _finishing[current] = time.monotonic() + FINISHING_PRECEDENCE_S
    _none_finishing.clear()
    try:
        yield
    finally:
        _finishing.pop(current, None)
        if not _finishing:
            _none_finishing.set()


@contextmanager
def large_body_turn() -> Iterator[None]:
    """One request with a multi-MiB body handled at a time in this process; the others wait
    for their turn without reading their bodies."""
    with _large_body_turns:
        yield


def after_answer(func: Callable[[], Any]) -> None:
    """In a gevent worker's request: ``func()`` in the app context once the answer is sent (the
    server closes the response after its last byte), before the connection's next request.
    Elsewhere: now."""
    if not (_patched() and has_request_context()):
        func()
        return
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                func()
            except Exception:
                log.exception("work left for after the answer failed")

    def when_sent(response):
        response.call_on_close(run)
        return response

    after_this_request(when_sent)


def in_thread(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in gevent's native thread pool (for work that releases the GIL, such as
    disk writes and fsync); exceptions propagate. ``func`` must not need the app context.
    Its duration counts as the request's time in threads (``server_timing.THREADS``)."""
    if _patched() and not _holds_sqlite_write_lock():
        _let_finishers_go_first()
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
