"""A request for the WebSocket transport without the upgrade headers (a proxy that drops them)
gets a JSON 400 naming what is missing, with the fast path on and off, never a response without
a status or an HTML 500; a proper upgrade still works."""

from __future__ import annotations

import json
import socket

import pytest

pytestmark = pytest.mark.live
KEY = b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"


def _raw(port: int, headers: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
                           + headers + KEY + b"\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer or (b" 400 " in answer.split(b"\r\n")[0] and not answer.endswith(b"}")):
            piece = connection.recv(4096)
            if not piece:
                break
            answer += piece
        return answer


@pytest.mark.parametrize("fast_path", ["true", "false"])
def test_websocket_transport_without_upgrade_is_a_json_400(live_server_factory, fast_path):
    server = live_server_factory({"SOCKET_FAST_PATH": fast_path})
    for headers in (b"Connection: close\r\nUpgrade: websocket\r\n", b"Connection: keep-alive\r\n",
                    b"Connection: upgrade\r\n"):
        answer = _raw(server.port, headers)
        status_line, _, rest = answer.partition(b"\r\n")
        assert status_line == b"HTTP/1.1 400 Bad Request", answer
        body = json.loads(rest.partition(b"\r\n\r\n")[2])
        assert body["code"] == "websocket_upgrade_required"
    upgraded = _raw(server.port, b"Connection: Upgrade\r\nUpgrade: websocket\r\n")
    assert upgraded.startswith(b"HTTP/1.1 101 "), upgraded
