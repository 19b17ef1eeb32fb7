"""Every frame simple-websocket writes goes out whole and alone.

simple-websocket, which serves the raw WebSockets (flask-sock) and, with the fast path off,
engine.io's WebSocket transport, writes each frame with a single ``sock.send`` and from two
greenlets (the writer and its ping loop); with gevent a large frame can be written in part (the
rest is lost: a peer that reads slowly gets a corrupt stream), and a ping could land in the
middle of it. The middleware hands it, through the WSGI environ gunicorn fills, a socket whose
``send`` writes everything under a lock. The fast transport writes whole frames itself, so its
path is left alone.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any


class SerialSocket:
    """A socket whose ``send`` writes everything, one caller at a time."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._lock = threading.Lock()

    def send(self, data: bytes) -> int:
        with self._lock:
            self._sock.sendall(data)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def with_serial_sockets(wsgi_app: Callable, skip_prefix: str | None = None) -> Callable:
    """WSGI middleware: WebSocket upgrades get a ``SerialSocket``, except under ``skip_prefix``."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if sock is not None and environ.get("HTTP_UPGRADE", "").lower() == "websocket" \
                and not (skip_prefix and environ.get("PATH_INFO", "").startswith(skip_prefix)):
            environ["gunicorn.socket"] = SerialSocket(sock)
        return wsgi_app(environ, start_response)

    return app
