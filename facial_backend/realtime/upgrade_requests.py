"""A request for engine.io's WebSocket transport that is not a WebSocket upgrade (no
``Upgrade: websocket`` and ``Connection: upgrade``, as a misconfigured proxy sends it) is
answered 400 in the service's JSON error shape; engine.io's gevent driver would otherwise
answer it with a response that has no status (``HTTP/1.1 None``) or the server's HTML 500."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

import orjson

MESSAGE = ("transport=websocket needs a WebSocket upgrade request (Upgrade: websocket, "
           "Connection: upgrade); a proxy in front must pass both headers.")


def is_broken_upgrade(environ: dict, socketio_path: str) -> bool:
    if not environ.get("PATH_INFO", "").startswith(socketio_path):
        return False
    if parse_qs(environ.get("QUERY_STRING", "")).get("transport") != ["websocket"]:
        return False
    upgrade = environ.get("HTTP_UPGRADE", "").strip().lower()
    connection = {token.strip().lower() for token in environ.get("HTTP_CONNECTION", "").split(",")}
    return upgrade != "websocket" or "upgrade" not in connection


def refuse_broken_upgrades(wsgi_app: Callable, socketio_path: str = "/socket.io/") -> Callable:
    """WSGI middleware; it must wrap the Socket.IO middleware."""
    body = orjson.dumps({"error": MESSAGE, "code": "websocket_upgrade_required", "detail": MESSAGE})

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not is_broken_upgrade(environ, socketio_path):
            return wsgi_app(environ, start_response)
        start_response("400 Bad Request", [("Content-Type", "application/json"),
                                           ("Content-Length", str(len(body))), ("Connection", "close")])
        return [body]

    return app
