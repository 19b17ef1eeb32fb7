"""The connection budget on a real gunicorn gevent worker: sockets beyond SOCKET_MAX_CONNECTIONS,
SOCKET_MAX_PER_ADDRESS (the address ProxyFix gives) or SOCKET_MAX_PER_USER are refused at once
with a clear answer while HTTP keeps answering; slots come back however a socket ends (closed,
dropped, long-polling session closed, closed by the server for not registering); fast path on
and off."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
import requests
import socketio as socketio_client_lib

pytestmark = pytest.mark.live
HANDSHAKE = (b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
             b"Connection: Upgrade\r\nUpgrade: websocket\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
DEADLINE_S = 10.0


class RawSocket:
    """An engine.io WebSocket handshake on a plain socket: kept open when answered 101."""

    def __init__(self, port: int, extra_headers: bytes = b""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S)
        self.sock.sendall(HANDSHAKE + extra_headers + b"\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            piece = self.sock.recv(4096)
            if not piece:
                break
            head += piece
        status_line, _, rest = head.partition(b"\r\n")
        self.status = int(status_line.split()[1]) if status_line else 0
        self.body = None
        if self.status != 101:
            headers, _, body = rest.partition(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in headers.split(b"\r\n")
                          if line.lower().startswith(b"content-length"))
            while len(body) < length:
                body += self.sock.recv(4096)
            self.body = json.loads(body)
            self.close()

    def send_text(self, text: str) -> None:
        """One masked text frame (short)."""
        payload, mask = text.encode(), os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def closed_by_server(self, timeout: float) -> bool:
        """Read until the server closes the connection (True) or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    return True
            except TimeoutError:
                return False
            except OSError:
                return True
        return False

    def drop(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw_sockets():
    opened: list[RawSocket] = []

    def open_(port: int, extra_headers: bytes = b"") -> RawSocket:
        opened.append(RawSocket(port, extra_headers))
        return opened[-1]
    yield open_
    for raw in opened:
        raw.close()


def _admitted_within(port: int, raw_sockets, deadline_s: float = DEADLINE_S, headers: bytes = b"") -> RawSocket:
    """A new handshake, retried until one is admitted (slots are given back asynchronously)."""
    deadline = time.monotonic() + deadline_s
    while True:
        raw = raw_sockets(port, headers)
        if raw.status == 101 or time.monotonic() > deadline:
            return raw
        time.sleep(0.05)


def _refusal(raw: RawSocket, limit: str) -> None:
    assert raw.status == 503, raw.status
    assert raw.body["code"] == "too_many_connections"
    assert raw.body["limit"] == limit
    assert raw.body["error"]


@pytest.mark.parametrize("fast_path", ["true", "false"])
def test_over_the_budget_refused_at_once_http_answers_and_slots_come_back(
        live_server_factory, raw_sockets, fast_path):
    server = live_server_factory({"SOCKET_FAST_PATH": fast_path, "SOCKET_MAX_CONNECTIONS": "20",
                                  "SOCKET_MAX_PER_ADDRESS": "0", "SOCKET_REGISTER_TIMEOUT": "0"})
    opened = [raw_sockets(server.port) for _ in range(25)]
    assert [raw.status for raw in opened[:20]] == [101] * 20
    for raw in opened[20:]:
        _refusal(raw, "worker")
    for _ in range(5):
        assert requests.get(server.base_url + "/livez", timeout=5).status_code == 200
    opened[0].close()  # closed by the client
    opened[1].drop()  # transport lost
    assert _admitted_within(server.port, raw_sockets).status == 101
    assert _admitted_within(server.port, raw_sockets).status == 101
    _refusal(raw_sockets(server.port), "worker")


@pytest.mark.parametrize("fast_path", ["true", "false"])
def test_long_polling_sessions_count_until_engineio_drops_them(live_server_factory, fast_path):
    server = live_server_factory({"SOCKET_FAST_PATH": fast_path, "SOCKET_MAX_CONNECTIONS": "3",
                                  "SOCKET_REGISTER_TIMEOUT": "0"})
    url = server.base_url + "/socket.io/?EIO=4&transport=polling"
    sids = []
    for _ in range(3):
        answer = requests.get(url, timeout=5)
        assert answer.status_code == 200, answer.text
        sids.append(json.loads(answer.text[1:])["sid"])
    refused = requests.get(url, timeout=5)
    assert refused.status_code == 503
    assert refused.json()["code"] == "too_many_connections"
    assert refused.headers["Retry-After"]
    closed = requests.post(f"{url}&sid={sids[0]}", data="1", timeout=5)  # engine.io CLOSE
    assert closed.status_code == 200
    deadline = time.monotonic() + DEADLINE_S
    while (answer := requests.get(url, timeout=5)).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert answer.status_code == 200


def test_per_address_limit_uses_the_forwarded_address(live_server_factory, raw_sockets):
    server = live_server_factory({"TRUSTED_PROXY_HOPS": "1", "SOCKET_MAX_PER_ADDRESS": "3",
                                  "SOCKET_REGISTER_TIMEOUT": "0"})
    first = b"X-Forwarded-For: 10.0.0.1\r\n"
    assert [raw_sockets(server.port, first).status for _ in range(3)] == [101] * 3
    _refusal(raw_sockets(server.port, first), "address")
    assert raw_sockets(server.port, b"X-Forwarded-For: 10.0.0.2\r\n").status == 101
    raw = raw_sockets(server.port, b"X-Forwarded-For: 10.0.0.3\r\n")
    assert raw.status == 101
    raw.close()


def test_raw_websocket_route_counts_too(live_server_factory, raw_sockets):
    server = live_server_factory({"SOCKET_MAX_CONNECTIONS": "2", "SOCKET_REGISTER_TIMEOUT": "0"})
    held = [raw_sockets(server.port) for _ in range(2)]
    assert [raw.status for raw in held] == [101, 101]
    with socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE_S) as sock:
        sock.sendall(HANDSHAKE.replace(b"/socket.io/?EIO=4&transport=websocket", b"/ws/sessions/abc")
                     + b"\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 503 ")


@pytest.mark.parametrize("fast_path", ["true", "false"])
def test_per_user_limit_at_connect(live_server_factory, demo_users, sockets, fast_path):
    server = live_server_factory({"SOCKET_FAST_PATH": fast_path, "SOCKET_MAX_PER_USER": "2",
                                  "SOCKET_REGISTER_TIMEOUT": "0"})
    token = demo_users["client1"]
    first, _second = sockets(server.base_url, token), sockets(server.base_url, token)
    refused: list = []
    third = socketio_client_lib.Client(reconnection=False)
    third.on("connect_error", refused.append)
    with pytest.raises(socketio_client_lib.exceptions.ConnectionError):
        third.connect(server.base_url, transports=["websocket"], auth={"token": token}, wait_timeout=10)
    third.disconnect()
    message = "Too many live connections for this user."
    assert refused == [{"message": message, "data": {"code": "too_many_connections", "message": message}}]
    sockets(server.base_url, demo_users["client2"])  # another user is not counted
    first.close()
    deadline = time.monotonic() + DEADLINE_S
    while True:
        try:
            sockets(server.base_url, token)
            break
        except socketio_client_lib.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "the closed socket's slot never came back"
            time.sleep(0.05)


@pytest.mark.parametrize("fast_path", ["true", "false"])
def test_unregistered_sockets_are_closed_after_the_deadline(live_server_factory, raw_sockets, sockets,
                                                             fast_path):
    server = live_server_factory({"SOCKET_FAST_PATH": fast_path, "SOCKET_REGISTER_TIMEOUT": "1",
                                  "SOCKET_MAX_CONNECTIONS": "3"})
    engineio_only = raw_sockets(server.port)
    socketio_only = raw_sockets(server.port)
    socketio_only.send_text("40")  # Socket.IO connect, never register
    registered = sockets(server.base_url)
    registered.register("client1", "client")
    _refusal(raw_sockets(server.port), "worker")
    assert engineio_only.closed_by_server(DEADLINE_S)
    assert socketio_only.closed_by_server(DEADLINE_S)
    assert registered.sio.connected
    assert _admitted_within(server.port, raw_sockets).status == 101
    assert registered.sio.connected
