"""WebSocket connections are made without permessage-deflate.

simple-websocket accepts the permessage-deflate extension whenever a client offers it, and
browsers and socket.io-client always do, so every signaling message was compressed on the way
out and inflated on the way in: a third of the relay's CPU time, for messages of a few KiB on
links where bandwidth is not the limit. Node's socket.io server leaves it off by default for
the same reason. Removing the offer from the upgrade request makes the handshake settle on
plain frames; clients accept that, as the extension is optional.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def without_websocket_compression(wsgi_app: Callable) -> Callable:
    """WSGI middleware; it must wrap the Socket.IO middleware to reach its upgrades."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app
