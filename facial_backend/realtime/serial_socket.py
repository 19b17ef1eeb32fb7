"""Every frame on a raw WebSocket (``/ws/...``) is written whole and alone.

simple-websocket, which flask-sock uses, writes each frame with a single ``sock.send`` and
from two greenlets (the route's writer and its ping loop); with gevent a large frame can be
written in part, and a ping could land in the middle of it. The middleware hands it, through
the WSGI environ gunicorn fills, a socket whose ``send`` writes everything under a lock.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

PREFIX = "/ws/"


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


def with_serial_sockets(wsgi_app: Callable) -> Callable:
    """WSGI middleware: WebSocket upgrades under ``/ws/`` get a ``SerialSocket``."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if sock is not None and environ.get("PATH_INFO", "").startswith(PREFIX) \
                and environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ["gunicorn.socket"] = SerialSocket(sock)
        return wsgi_app(environ, start_response)

    return app
