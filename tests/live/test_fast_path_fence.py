"""The fence of the fast Socket.IO path (facial_backend/realtime/fast_path.py): with
SOCKET_FAST_PATH=false, or on a library version it was not verified with, the stock
python-socketio / python-engineio / simple-websocket path serves (and the second is logged)."""

from __future__ import annotations

import logging

import pytest
import socketio as socketio_lib
import websocket

from facial_backend import create_app
from facial_backend.extensions import socketio
from facial_backend.realtime import fast_path
from facial_backend.realtime.socket_codec import SocketPacket
from tests.live.conftest import WAIT_S
from tests.live.test_live_flow import start_pair

UPGRADE = "/socket.io/?EIO=4&transport=websocket"
DEFLATE = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def fence_log():
    """The fence's log records (its own handler: the app's logging replaces the root's)."""
    handler = Collected()
    logger = logging.getLogger(fast_path.__name__)
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def stock_server_serves(app) -> bool:
    """The app's Socket.IO server packs with python-socketio's own packets and gets engine.io
    messages through python-socketio's own handler."""
    server = socketio.server
    message_handler = server.eio.handlers["message"]
    return app.extensions["socket_fast_path"] is False and server.packet_class is socketio_lib.packet.Packet \
        and message_handler.__func__.__module__ == "socketio.server"


def test_switched_off_the_stock_path_serves(app_settings, fence_log):
    app = create_app({**app_settings, "TESTING": True, "REDIS_URL": None, "SOCKET_FAST_PATH": "false"})
    assert stock_server_serves(app)
    assert fence_log == []  # switched off on purpose: nothing to warn about


def test_an_unverified_version_falls_back_with_a_warning(app_settings, fence_log, monkeypatch):
    verified = {**fast_path.VERIFIED_VERSIONS, "python-engineio": "0.0.1"}
    monkeypatch.setattr(fast_path, "VERIFIED_VERSIONS", verified)
    app = create_app({**app_settings, "TESTING": True, "REDIS_URL": None, "SOCKET_FAST_PATH": "true"})
    assert stock_server_serves(app)
    [record] = fence_log
    assert record.levelno == logging.WARNING
    assert "python-engineio" in record.getMessage() and "0.0.1" in record.getMessage()


def test_switched_on_and_verified_it_engages(app_settings, fence_log):
    app = create_app({**app_settings, "TESTING": True, "REDIS_URL": None, "SOCKET_FAST_PATH": "true"})
    assert app.extensions["socket_fast_path"] is True
    assert socketio.server.packet_class is SocketPacket
    assert fence_log == []


@pytest.mark.live
@pytest.mark.parametrize("switch", ["true", "false"])
def test_the_transport_that_serves_follows_the_switch(live_server_factory, sockets, demo_users, switch):
    """The stock transport (simple-websocket) accepts permessage-deflate when offered; the fast
    one never negotiates it. Either way a whole signaling exchange works (websocket-client,
    which cannot inflate, only looks at the handshake)."""
    server = live_server_factory({"SOCKET_FAST_PATH": switch})
    ws = websocket.create_connection(server.base_url.replace("http", "ws") + UPGRADE, timeout=WAIT_S,
                                     header=[DEFLATE])
    try:
        extensions = {k.lower(): v for k, v in ws.getheaders().items()}.get("sec-websocket-extensions", "")
        assert ("permessage-deflate" in extensions) is (switch == "false")
    finally:
        ws.close()
    evaluator, client, _, _ = start_pair(server.base_url, sockets, package="webrtc")
    for n in range(50):
        evaluator.emit("webrtc_signal", {"targetUserId": "client1", "signal": {"n": n}})
    assert [client.wait("webrtc_signal")["signal"]["n"] for _ in range(50)] == list(range(50))
