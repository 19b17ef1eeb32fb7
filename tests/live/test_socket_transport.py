"""engine.io's WebSocket transport (facial_backend/realtime/socket_transport.py): RFC 6455 framing
against a real gunicorn gevent process, spoken by hand with websocket-client's frames and raw
bytes, plus the frame helpers."""

from __future__ import annotations

import os
import socket
import struct

import pytest
import websocket

from facial_backend.realtime import socket_transport
from tests.live.conftest import WAIT_S

pytestmark = pytest.mark.live

PATH = "/socket.io/?EIO=4&transport=websocket"


@pytest.fixture
def live_server(live_server_factory):
    """A gunicorn process with the fast path on, whatever the suite's SOCKET_FAST_PATH."""
    return live_server_factory({"SOCKET_FAST_PATH": "true"})


def test_accept_key_is_the_rfc_example():
    assert socket_transport.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert socket_transport.accept_key("not base64!") is None
    assert socket_transport.accept_key("c2hvcnQ=") is None  # 5 bytes, not 16


@pytest.mark.parametrize("size", [0, 1, 5, 125, 126, 65535, 65536, 70000])
def test_unmask_undoes_the_clients_mask_and_frame_lengths(size):
    payload, mask = os.urandom(size), os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    assert socket_transport.unmask(masked, mask) == payload
    frame = socket_transport.frame(socket_transport.OP_BINARY, payload)
    header = 2 if size < 126 else 4 if size < 65536 else 10
    assert len(frame) == header + size and frame[0] == 0x82 and frame.endswith(payload)


def open_socket(server) -> websocket.WebSocket:
    ws = websocket.create_connection(server.base_url.replace("http", "ws") + PATH, timeout=WAIT_S)
    assert ws.recv().startswith("0{")  # engine.io open
    return ws


def connect_namespace(ws: websocket.WebSocket) -> None:
    ws.send("40")
    assert ws.recv().startswith("40")


def next_frame(ws: websocket.WebSocket) -> websocket.ABNF:
    """The next frame that is not an engine.io ping."""
    while True:
        frame = ws.recv_frame()
        if frame.opcode != websocket.ABNF.OPCODE_TEXT or frame.data != b"2":
            return frame


def close_code(frame: websocket.ABNF) -> int:
    assert frame.opcode == websocket.ABNF.OPCODE_CLOSE, frame
    return struct.unpack("!H", frame.data[:2])[0]


def test_fragmented_message_is_one_message(live_server):
    ws = open_socket(live_server)
    try:
        ws.send_frame(websocket.ABNF(fin=0, opcode=websocket.ABNF.OPCODE_TEXT, data="4"))
        ws.send_frame(websocket.ABNF(fin=1, opcode=websocket.ABNF.OPCODE_CONT, data="0"))
        assert ws.recv().startswith("40{")
    finally:
        ws.close()


def test_ping_gets_pong_with_its_payload_and_messages_go_on(live_server):
    ws = open_socket(live_server)
    try:
        ws.ping("are you there")
        frame = next_frame(ws)
        assert (frame.opcode, frame.data) == (websocket.ABNF.OPCODE_PONG, b"are you there")
        connect_namespace(ws)
    finally:
        ws.close()


def test_client_close_is_answered(live_server):
    ws = open_socket(live_server)
    ws.send_close(status=1000)
    assert close_code(next_frame(ws)) == 1000
    ws.sock.settimeout(WAIT_S)
    assert ws.sock.recv(1) == b""  # then the server ends the connection
    ws.shutdown()


@pytest.mark.parametrize("frame_bytes, code", [
    pytest.param(b"\x81\x02hi", 1002, id="unmasked"),
    pytest.param(b"\xc1\x80\0\0\0\0", 1002, id="extension bit"),
    pytest.param(b"\x80\x80\0\0\0\0", 1002, id="continuation without start"),
    pytest.param(b"\x89\xfe\x00\x7e" + b"\0" * 4 + b"x" * 126, 1002, id="long ping"),
    pytest.param(b"\x81\x82\0\0\0\0\xc3\x28", 1007, id="invalid utf-8"),
    pytest.param(b"\x82\xff" + struct.pack("!Q", 1 << 40) + b"\0\0\0\0", 1009, id="1 TiB declared"),
])
def test_protocol_errors_close_the_connection(live_server, frame_bytes, code):
    ws = open_socket(live_server)
    ws.sock.sendall(frame_bytes)
    assert close_code(next_frame(ws)) == code
    ws.shutdown()


def test_message_over_the_payload_limit_is_refused_before_it_is_read(live_server_factory):
    server = live_server_factory({"SOCKET_MAX_PAYLOAD": "1KiB", "SOCKET_FAST_PATH": "true"})
    ws = open_socket(server)
    connect_namespace(ws)
    # Only the header of a 2 KiB frame: the server answers without waiting for the rest.
    ws.sock.sendall(b"\x81\xfe" + struct.pack("!H", 2048) + b"\0\0\0\0")
    assert close_code(next_frame(ws)) == 1009
    ws.shutdown()


def test_bad_handshake_key_gets_400(live_server):
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=WAIT_S) as raw:
        raw.sendall(f"GET {PATH} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Key: short\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        assert raw.recv(4096).startswith(b"HTTP/1.1 400")
