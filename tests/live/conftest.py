"""Helpers of the live-session tests: demo users, socket clients that record every event,
short m4a audio made with PyAV, and the Redis URL of these tests (db 1, or TEST_REDIS_URL)."""

from __future__ import annotations

import io
import os
import queue
import socket
import time

import av
import numpy as np
import pytest
import socketio as socketio_client_lib

from tests import isolation

REDIS_URL = isolation.redis_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"))
WAIT_S = 10.0


@pytest.fixture
def demo_users(app):
    """The origin's four users; returns {username: token}."""
    from facial_backend.auth import issue_token
    from facial_backend.services.shared.users import get_by_username, seed_demo_users
    with app.app_context():
        seed_demo_users()
        with app.test_request_context():
            return {name: issue_token(get_by_username(name))
                    for name in ("evaluator1", "evaluator2", "client1", "client2")}


def make_m4a(seconds: float = 0.5, frequency: float = 440.0) -> bytes:
    """A short AAC tone in an MP4 (m4a) container."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        samples = np.sin(2 * np.pi * frequency * np.arange(int(16000 * seconds)) / 16000)
        pcm = (samples * 8000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def m4a_audio() -> list[bytes]:
    """Ten different short m4a files."""
    return [make_m4a(0.3, 300 + 40 * i) for i in range(10)]


class Recorder:
    """A python-socketio client over WebSocket that queues every event it receives."""

    EVENTS = ("registered", "session_started", "session_ended", "session_suspended",
              "session_resumed", "image_update", "image_ack", "webrtc_signal",
              "clients_updated", "error")

    def __init__(self, base_url: str, token: str | None = None, **connect):
        self.events: queue.Queue = queue.Queue()
        self.closing = False
        self.sio = socketio_client_lib.Client(reconnection=False)
        for name in self.EVENTS:
            self.sio.on(name, self._recorder(name))
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.connect(base_url, transports=["websocket"], wait_timeout=WAIT_S,
                         auth={"token": token} if token else None, **connect)

    def _on_disconnect(self, *args) -> None:
        # python-engineio leaves the socket open when the server closes it: close it here.
        ws = getattr(self.sio.eio, "ws", None)
        if ws is not None and not self.closing:
            ws.shutdown()
        self.events.put(("disconnect", args))

    def _recorder(self, name):
        return lambda data=None: self.events.put((name, data))

    def emit(self, name: str, data=None) -> None:
        self.sio.emit(name, data)

    def wait(self, name: str, timeout: float = WAIT_S, skip=("clients_updated",)):
        """The next event, which must be ``name`` (events named in ``skip`` are passed over)."""
        deadline = time.monotonic() + timeout
        while True:
            got, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if got in skip and got != name:
                continue
            assert got == name, (got, data)
            return data

    def register(self, user_id: str, role: str, package: str = "socketio") -> dict:
        self.emit("register", {"userId": user_id, "role": role, "package": package})
        return self.wait("registered")

    def close(self) -> None:
        """Disconnect on purpose, as the apps' ``socket.disconnect()``: the Socket.IO disconnect
        packet is written before the connection closes (python-engineio's client may close it
        with the packet still queued, which the server would see as a lost transport)."""
        self.closing = True
        if not self.sio.connected:
            ws = getattr(self.sio.eio, "ws", None)
            if ws is not None:
                ws.shutdown()  # a dropped or server-closed connection's socket is closed too
            return
        self.sio.eio.send("1")  # Socket.IO DISCONNECT of the default namespace
        deadline = time.monotonic() + WAIT_S
        while self.sio.eio.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        self.sio.disconnect()

    def drop(self) -> None:
        """Lose the transport: the TCP connection ends with no Socket.IO or WebSocket goodbye,
        as when the network goes away."""
        self.closing = True
        self.sio.eio.ws.sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def sockets():
    """Make Recorder clients; all are disconnected at the end."""
    made: list[Recorder] = []

    def make(base_url: str, token: str | None = None, **connect) -> Recorder:
        recorder = Recorder(base_url, token, **connect)
        made.append(recorder)
        return recorder
    yield make
    for recorder in made:
        recorder.close()


def session_across(sockets, evaluator_url: str, client_url: str, evaluator_id: str = "evaluator2",
                   client_id: str = "client2") -> tuple[Recorder, Recorder, str]:
    """An evaluator on one process starts a session with a client on another (or the same):
    (evaluator, client, session id) once the evaluator is told ``session_started`` (the client
    is told too, through Redis when the processes differ)."""
    client = sockets(client_url)
    client.register(client_id, "client")
    evaluator = sockets(evaluator_url)
    evaluator.register(evaluator_id, "evaluator")
    evaluator.emit("start_session", {"clientId": client_id})
    return evaluator, client, evaluator.wait("session_started")["sessionId"]
