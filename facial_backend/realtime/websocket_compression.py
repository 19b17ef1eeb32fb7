"""WebSocket connections are made without permessage-deflate.

simple-websocket, which serves the raw WebSocket ``/ws/sessions/<sid>`` (flask-sock), accepts
the permessage-deflate extension whenever a client offers it, and browsers always do, so
every message was compressed on the way out and inflated on the way in: on the signaling
relay, before it had its own transport, a third of the CPU time, for messages of a few KiB on
links where bandwidth is not the limit. Node's socket.io server leaves it off by default for
the same reason, and engine.io's transport here (``socket_transport.py``) never negotiates it.
Removing the offer from the upgrade request makes the handshake settle on plain frames;
clients accept that, as the extension is optional.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def without_websocket_compression(wsgi_app: Callable) -> Callable:
    """WSGI middleware; it must wrap the Socket.IO middleware to reach its upgrades."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app
