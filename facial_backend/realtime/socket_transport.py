"""engine.io's WebSocket transport on gunicorn's gevent worker: RFC 6455 frames read and
written directly on the connection's socket.

engine.io's stock transport (simple-websocket on wsproto) reads each connection in a
background greenlet, parses frames with wsproto's generators and hands every message over
through an Event: for the signaling relay that was a third of the worker's CPU time. Here:

- The greenlet that asks for a message reads it itself, from a buffer refilled 64 KiB at a
  time, so a burst of frames costs one ``recv``. Reads wait without a timeout: engine.io's
  ping timeout closes the connection of a peer that goes silent, and the close ends the read.
  Messages larger than the engine.io limit are refused before they are read (close 1009).
- engine.io's writer greenlet sends what its queue holds; ``send_now`` lets another greenlet
  write a message at once when nothing is queued before it (half the relay's cost was the
  hand-over to the writer). A peer that stops reading blocks a send for at most the ping
  timeout; then the connection is closed.
- Extensions (permessage-deflate) and subprotocols are never negotiated. Servers other than
  gunicorn keep engine.io's stock transport.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import socket
import struct
from collections.abc import Callable, Iterable
from typing import Any

from gevent.lock import Semaphore

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
READ_SIZE = 65536

OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
CLOSE_NORMAL, CLOSE_PROTOCOL_ERROR, CLOSE_INVALID_DATA, CLOSE_TOO_BIG = 1000, 1002, 1007, 1009


class _Closed(Exception):
    """The peer closed the connection or broke the protocol; the close frame has been sent."""


def accept_key(key: str) -> str | None:
    """``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key``; None if it is invalid."""
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            return None
    except (binascii.Error, ValueError):
        return None
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def unmask(payload: bytes, mask: bytes) -> bytes:
    """XOR a client frame's payload with its 4-byte mask, as whole integers (C speed)."""
    size = len(payload)
    if not size:
        return b""
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(size, "little")


def frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked, final server frame."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return header + payload


class GeventWebSocket:
    """engine.io's WebSocket interface (called with the WSGI request; then ``wait``, ``send``,
    ``close``). Bound to a server with :func:`use_for`."""

    fallback: Callable[..., Any]

    def __init__(self, handler: Callable[[Any], Any], server: Any):
        self.handler = handler
        self.server = server
        self._connection: socket.socket | None = None
        self._buffer = b""  # received bytes; those before ``_pos`` are consumed
        self._pos = 0
        self._mask = b""  # of the frame being read
        self._send_lock = Semaphore()
        self._close_sent = False

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if sock is None:
            return self.fallback(self.handler, self.server)(environ, start_response)
        accept = accept_key(environ.get("HTTP_SEC_WEBSOCKET_KEY", ""))
        if accept is None or environ.get("HTTP_SEC_WEBSOCKET_VERSION") != "13":
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"Invalid WebSocket handshake"]
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept.encode() + b"\r\n\r\n")
        # Not named ``_sock``: engine.io would put its ping timeout on it, and a timeout on
        # the socket costs a timer for every message read.
        self._connection = sock
        sock.settimeout(None)
        self._send_timeout = self.server.ping_interval + self.server.ping_timeout
        engineio_socket = self.handler.__self__  # the handler is a method of engine.io's socket
        self._engineio_socket = engineio_socket
        _open[engineio_socket.sid] = self
        try:
            self.handler(self)
        finally:
            _open.pop(engineio_socket.sid, None)
        raise StopIteration  # the connection was ours: gunicorn closes it, writes nothing

    def wait(self) -> str | bytes | None:
        """The next message, or None once the connection is closed."""
        try:
            self._ensure(2)
            message = self._buffered_text()
            return self._next_message() if message is None else message
        except _Closed:
            return None

    def send(self, message: str | bytes) -> None:
        if isinstance(message, str):
            self._send_frame(OP_TEXT, message.encode())
        else:
            self._send_frame(OP_BINARY, message)

    def send_now(self, message: str) -> bool:
        """Write an encoded engine.io message from the caller's greenlet when nothing queued or
        being sent has to go first and the kernel takes it; False: it must take the queue."""
        engineio_socket = self._engineio_socket
        if engineio_socket.queue.qsize() or self._send_lock.locked() or self._close_sent \
                or not engineio_socket.upgraded or engineio_socket.upgrading \
                or engineio_socket.closing or engineio_socket.closed:
            return False
        with self._send_lock:
            return self._write(frame(OP_TEXT, message.encode()), only_at_once=True)

    def close(self) -> None:
        """Send a normal close frame; the reader sees the peer's reply, or its end of stream."""
        self._close(CLOSE_NORMAL)
        with contextlib.suppress(OSError):
            self._connection.shutdown(socket.SHUT_RDWR)

    def _buffered_text(self) -> str | None:
        """The common case, without the general parser: a final, masked text frame under
        64 KiB, whole in the buffer. None for anything else."""
        buffer, pos = self._buffer, self._pos
        second = buffer[pos + 1]
        if buffer[pos] != 0x80 | OP_TEXT or second < 0x80 or second == 0xFF:
            return None
        length, start = second & 0x7F, pos + 6
        if length == 126:
            if len(buffer) < pos + 4:
                return None
            length, start = buffer[pos + 2] << 8 | buffer[pos + 3], start + 2
        end = start + length
        if end > len(buffer) or length > self.server.max_http_buffer_size:
            return None
        self._pos = end
        try:
            return unmask(buffer[start:end], buffer[start - 4:start]).decode()
        except UnicodeDecodeError:
            raise self._fail(CLOSE_INVALID_DATA) from None

    def _next_message(self) -> str | bytes:
        limit = self.server.max_http_buffer_size
        opcode, parts, size = None, [], 0
        while True:
            fin, frame_opcode, length = self._frame_header()
            if frame_opcode >= OP_CLOSE:
                if not fin or length > 125:
                    raise self._fail(CLOSE_PROTOCOL_ERROR)
                self._control(frame_opcode, self._payload(length))
                continue
            if (frame_opcode == OP_CONTINUATION) != (opcode is not None) \
                    or frame_opcode not in (OP_CONTINUATION, OP_TEXT, OP_BINARY):
                raise self._fail(CLOSE_PROTOCOL_ERROR)
            size += length
            if size > limit:
                raise self._fail(CLOSE_TOO_BIG)
            opcode = opcode if frame_opcode == OP_CONTINUATION else frame_opcode
            parts.append(self._payload(length))
            if fin:
                data = parts[0] if len(parts) == 1 else b"".join(parts)
                if opcode == OP_BINARY:
                    return data
                try:
                    return data.decode()
                except UnicodeDecodeError:
                    raise self._fail(CLOSE_INVALID_DATA) from None

    def _frame_header(self) -> tuple[bool, int, int]:
        """Read a frame's header and mask; (final, opcode, payload length)."""
        self._ensure(2)
        buffer, pos = self._buffer, self._pos
        first, second = buffer[pos], buffer[pos + 1]
        if first & 0x70 or not second & 0x80:  # no extension bits; clients must mask
            raise self._fail(CLOSE_PROTOCOL_ERROR)
        length = second & 0x7F
        extended = 2 if length == 126 else 8 if length == 127 else 0
        self._ensure(6 + extended)
        buffer, pos = self._buffer, self._pos
        if extended:
            length = int.from_bytes(buffer[pos + 2:pos + 2 + extended], "big")
        self._mask = buffer[pos + 2 + extended:pos + 6 + extended]
        self._pos = pos + 6 + extended
        return bool(first & 0x80), first & 0x0F, length

    def _payload(self, length: int) -> bytes:
        self._ensure(length)
        start = self._pos
        self._pos = start + length
        return unmask(self._buffer[start:self._pos], self._mask)

    def _control(self, opcode: int, payload: bytes) -> None:
        if opcode == OP_PING:
            self._send_frame(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else CLOSE_NORMAL
            self._close(code if 1000 <= code < 5000 else CLOSE_PROTOCOL_ERROR)
            raise _Closed
        elif opcode != OP_PONG:
            raise self._fail(CLOSE_PROTOCOL_ERROR)

    def _ensure(self, size: int) -> None:
        """Have at least ``size`` unread bytes in the buffer, receiving more as needed."""
        available = len(self._buffer) - self._pos
        if available >= size:
            return
        pieces = [self._buffer[self._pos:]]
        while available < size:
            chunk = self._connection.recv(max(READ_SIZE, size - available))
            if not chunk:
                raise _Closed
            pieces.append(chunk)
            available += len(chunk)
        self._buffer, self._pos = b"".join(pieces), 0

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        with self._send_lock:
            self._write(frame(opcode, payload), only_at_once=False)

    def _write(self, data: bytes, *, only_at_once: bool) -> bool:
        """Write a frame (the send lock held). What the kernel does not take at once is waited
        for, at most the ping timeout (then the peer is given up), unless ``only_at_once`` and
        nothing was taken (or the connection is gone): then False, and nothing is written."""
        connection = self._connection
        try:
            sent = connection.send(data, 0, 0.0)  # timeout 0: never waits
        except OSError as exc:
            if only_at_once:
                return False
            if not isinstance(exc, BlockingIOError):
                raise
            sent = 0
        if sent < len(data):  # a frame, once begun, is finished before anything else
            connection.settimeout(self._send_timeout)
            try:
                connection.sendall(memoryview(data)[sent:])
            finally:
                connection.settimeout(None)
        return True

    def _close(self, code: int) -> None:
        if self._close_sent:
            return
        self._close_sent = True
        with contextlib.suppress(OSError):
            self._send_frame(OP_CLOSE, struct.pack("!H", code))

    def _fail(self, code: int) -> _Closed:
        self._close(code)
        return _Closed()


_open: dict[str, GeventWebSocket] = {}
"""This process's open connections, by engine.io session id."""


def send_now(engineio_sid: str, message: str) -> bool:
    """``GeventWebSocket.send_now`` on that session's connection; False without one here."""
    transport = _open.get(engineio_sid)
    return transport is not None and transport.send_now(message)


def use_for(engineio_server: Any) -> None:
    """Make ``engineio_server`` (gevent async mode) accept WebSockets with this transport."""
    stock = engineio_server._async  # engine.io's per-mode table; the transport is one entry
    transport = type("GeventWebSocket", (GeventWebSocket,), {"fallback": stock["websocket"]})
    engineio_server._async = {**stock, "websocket": transport}
