"""The fence around the fast Socket.IO path: it engages only when SOCKET_FAST_PATH is on and the
installed python-socketio, python-engineio and simple-websocket are the versions it was verified
against; otherwise the stock libraries serve, and an unverified version is logged as a warning.

The fast path is the WebSocket transport (``socket_transport``), the orjson packet codec
(``socket_codec``), the ``webrtc_signal`` short path (``socket_fast_path``), WebSocket
upgrades without compression (``websocket_compression``) and the Redis queue listening again
steadily (``socket_queue``). The first, the third and the last use private members of
python-socketio and python-engineio; they are reached only from ``install`` and
``queue_manager``, which engage them only behind this check.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

from flask import Flask

from facial_backend.realtime import socket_codec, socket_fast_path, socket_queue, socket_transport
from facial_backend.realtime.websocket_compression import without_websocket_compression

log = logging.getLogger(__name__)

TRANSPORT_PATH = "/socket.io/"  # the requests the fast transport serves
VERIFIED_VERSIONS: Mapping[str, str] = {
    "python-socketio": "5.18.1",
    "python-engineio": "4.15.1",
    "simple-websocket": "1.1.0",
}


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def unverified_libraries(installed: Callable[[str], str | None] = _installed) -> dict[str, str | None]:
    """The libraries whose installed version differs from the verified one: {name: version}."""
    found = {name: installed(name) for name in VERIFIED_VERSIONS}
    return {name: version for name, version in found.items() if version != VERIFIED_VERSIONS[name]}


def wanted(app: Flask) -> bool:
    """Whether the fast path engages for this app: switched on, and on verified versions."""
    if not app.config["SOCKET_FAST_PATH"]:
        return False
    unverified = unverified_libraries()
    if unverified:
        log.warning("SOCKET_FAST_PATH stays off: %s (verified: %s); the stock Socket.IO path serves",
                    ", ".join(f"{name} {version or 'missing'}" for name, version in unverified.items()),
                    ", ".join(f"{name} {version}" for name, version in VERIFIED_VERSIONS.items()))
        return False
    return True


def server_options(fast: bool) -> dict[str, Any]:
    """The codec options of the Socket.IO server. Given either way: python-socketio sets them on
    its packet classes, so a stock server after a fast one must put the standard ones back."""
    if fast:
        return {"json": socket_codec, "serializer": socket_codec.SocketPacket}
    return {"json": json, "serializer": "default"}


def install(app: Flask, server: Any) -> socket_fast_path.FastEvents:
    """Engage the transport and upgrades without compression on ``app`` and its Socket.IO
    ``server``; returns the short path through which hot events are routed."""
    socket_transport.use_for(server.eio)
    app.wsgi_app = without_websocket_compression(app.wsgi_app)
    return socket_fast_path.FastEvents(server)


def queue_manager(fast: bool, url: str, channel: str) -> Any:
    """python-socketio's Redis queue on ``url``/``channel``: ``socket_queue``'s steady listener
    when the fast path engages (``fast`` from ``wanted``), the stock one otherwise."""
    return socket_queue.manager(fast, url, channel)
