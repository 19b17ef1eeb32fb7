"""Long-lived sockets are admitted within SOCKET_MAX_CONNECTIONS per worker process (below
gunicorn's worker_connections, so HTTP always finds a free slot), SOCKET_MAX_PER_ADDRESS per
client address and SOCKET_MAX_PER_USER per user (``connection_budget`` counts them).

``install`` wraps the app in a WSGI middleware that takes a slot for every engine.io handshake
(long-polling or WebSocket) and every WebSocket under ``/ws/``, and answers one over a limit at
once with 503 ``too_many_connections`` (JSON; ``limit`` names which); the address is the one
ProxyFix gives (TRUSTED_PROXY_HOPS). ``connected`` applies the per-user limit when a Socket.IO
connection shows its token (connect refused: ``connect_error`` ``{message, data: {code,
message}}``, as socket.io clients read it). A Socket.IO session that
has neither registered nor joined any room SOCKET_REGISTER_TIMEOUT seconds after it opened is
closed, so idle anonymous sockets do not keep their slots; a WebSocket whose peer ignores the
close (the stock transport waits for its answer) is cut CLOSE_GRACE_SECONDS later.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import orjson
from flask import Flask, current_app
from socketio.exceptions import ConnectionRefusedError

from facial_backend import metrics
from facial_backend.extensions import socketio
from facial_backend.realtime.connection_budget import Budget, Limits, Slot
from facial_backend.services.live import sockets as live_sockets

log = logging.getLogger(__name__)

SOCKETIO_PATH = "/socket.io/"
WEBSOCKET_PREFIX = "/ws/"
SLOT = "facial_backend.socket_slot"  # the WSGI environ key of a socket's slot
_EXTENSION = "socket_admission"
_SESSION_ID = re.compile(rb'"sid":"([^"]+)"')
MESSAGES = {
    "worker": "This server holds as many live connections as it can; try again later.",
    "address": "Too many live connections from your address.",
    "user": "Too many live connections for this user.",
}
RETRY_AFTER_SECONDS = 5
CLOSE_GRACE_SECONDS = 2.0


def install(app: Flask) -> None:
    """Admit the app's sockets through a budget (after ``socketio.init_app``)."""
    config = app.config
    eio = socketio.server.eio
    timeout = config["SOCKET_REGISTER_TIMEOUT"]
    budget = Budget(Limits(config["SOCKET_MAX_CONNECTIONS"], config["SOCKET_MAX_PER_ADDRESS"],
                           config["SOCKET_MAX_PER_USER"]),
                    lambda session_id: _session_open(eio, session_id), track_arrivals=timeout > 0)
    app.extensions[_EXTENSION] = budget
    app.wsgi_app = _admitting(app.wsgi_app, budget, _Deadline(budget, timeout))


def connected(environ: dict, socket_id: str, user: str | None) -> None:
    """At Socket.IO connect: bind the socket to its slot and count it as ``user``'s (the
    token's user); over SOCKET_MAX_PER_USER the connection is refused."""
    slot: Slot | None = environ.get(SLOT)
    budget: Budget | None = current_app.extensions.get(_EXTENSION)
    if slot is None or budget is None:
        return
    slot.socket_id = socket_id
    if user is not None and not budget.claim_user(slot, user):
        metrics.count_refused_socket("user")
        raise ConnectionRefusedError(MESSAGES["user"], {"code": "too_many_connections",
                                                        "message": MESSAGES["user"]})


def _admitting(wsgi_app: Callable, budget: Budget, deadline: _Deadline) -> Callable:
    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        kind = _socket_kind(environ)
        if kind is None:
            return wsgi_app(environ, start_response)
        slot = budget.open(kind, environ.get("REMOTE_ADDR") or "-", environ.get("gunicorn.socket"))
        if isinstance(slot, str):
            metrics.count_refused_socket(slot)
            return _refuse(start_response, slot)
        deadline.ensure_running()
        environ[SLOT] = slot
        if kind != "polling":
            try:
                return wsgi_app(environ, start_response)
            finally:
                budget.release(slot)
        try:
            body = wsgi_app(environ, start_response)
        except BaseException:
            budget.release(slot)
            raise
        budget.detach(slot, _handshake_session(body))
        return body

    return app


def _socket_kind(environ: dict) -> str | None:
    """"polling" or "websocket" for an engine.io handshake (no ``sid`` yet), "raw" for a
    WebSocket under /ws/, else None."""
    path = environ.get("PATH_INFO", "")
    if path.startswith(SOCKETIO_PATH):
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "sid" in query:
            return None
        return "websocket" if query.get("transport") == ["websocket"] else "polling"
    if path.startswith(WEBSOCKET_PREFIX) and environ.get("HTTP_UPGRADE", "").lower() == "websocket":
        return "raw"
    return None


def _handshake_session(body: Any) -> str | None:
    """The session id in engine.io's answer to a long-polling handshake (``0{"sid":...}``)."""
    if not isinstance(body, list | tuple) or not body or not isinstance(body[0], bytes):
        return None
    match = _SESSION_ID.search(body[0], 0, 512)
    return match.group(1).decode("ascii", "replace") if match else None


def _refuse(start_response: Callable, limit: str) -> list[bytes]:
    body = orjson.dumps({"error": MESSAGES[limit], "code": "too_many_connections",
                         "detail": f"The {limit} limit of live connections is reached.",
                         "limit": limit})
    start_response("503 Service Unavailable", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
        ("Retry-After", str(RETRY_AFTER_SECONDS)), ("Connection", "close")])
    return [body]


def _session_open(eio: Any, session_id: str) -> bool:
    try:
        eio.transport(session_id)
    except KeyError:
        return False
    return True


class _Deadline:
    """Closes the Socket.IO sessions still unused ``timeout`` seconds after they opened (one
    greenlet per process, started by the first socket)."""

    def __init__(self, budget: Budget, timeout: float):
        self.budget = budget
        self.timeout = timeout
        self.running = False
        self.closing: list[tuple[float, Slot]] = []

    def ensure_running(self) -> None:
        if self.timeout > 0 and not self.running:
            self.running = True
            socketio.start_background_task(self._run)

    def _run(self) -> None:
        interval = min(1.0, self.timeout / 2)
        while True:
            socketio.sleep(interval)
            try:
                self._cut_ignored_closes(time.monotonic() - CLOSE_GRACE_SECONDS)
                self._close_unused(time.monotonic() - self.timeout)
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("closing unregistered sockets failed")

    def _close_unused(self, cutoff: float) -> None:
        server = socketio.server
        for count, slot in enumerate(self.budget.opened_before(cutoff), 1):
            if slot.kind != "raw" and not _in_use(server, slot):
                session_id = slot.session_id or _session_of(server, slot)
                if session_id is not None:
                    metrics.count_refused_socket("register_timeout")
                    server.eio.disconnect(session_id)
                    if slot.held and slot.connection is not None:
                        self.closing.append((time.monotonic(), slot))
            if count % 50 == 0:
                socketio.sleep(0)  # a burst of expired sockets does not hold up requests


    def _cut_ignored_closes(self, cutoff: float) -> None:
        while self.closing and self.closing[0][0] <= cutoff:
            slot = self.closing.pop(0)[1]
            if not slot.released:
                with contextlib.suppress(OSError):  # already gone
                    slot.connection.shutdown(socket.SHUT_RDWR)


def _in_use(server: Any, slot: Slot) -> bool:
    """Registered (live sessions) or in a room of its own choosing (live events)."""
    if slot.socket_id is None:
        return False
    state = live_sockets.get(slot.socket_id)
    if state is not None and state.user_id is not None:
        return True
    return any(room != slot.socket_id for room in server.rooms(slot.socket_id))


def _session_of(server: Any, slot: Slot) -> str | None:
    """The engine.io session of a WebSocket handshake's slot."""
    if slot.socket_id is not None:
        return server.manager.eio_sid_from_sid(slot.socket_id, "/")
    return next((sid for sid, environ in server.environ.items() if environ.get(SLOT) is slot), None)
