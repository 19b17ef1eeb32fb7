"""Helpers of the testbed tests: sessions and notes made through the API, event clients."""

from __future__ import annotations

import os

import pytest

from tests import isolation

REDIS_URL = isolation.redis_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2"))


def new_session(client, name: str = "Run 1", **extra) -> dict:
    response = client.post("/api/sessions", json={"name": name, **extra})
    assert response.status_code == 200, response.json
    return response.json


def new_note(client, session_id: str, **fields) -> dict:
    body = {"timestamp": "2025-01-26T10:32:15Z", "content": "Motor current rising", **fields}
    response = client.post(f"/api/sessions/{session_id}/notes", json=body)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def session(client) -> dict:
    return new_session(client)


@pytest.fixture
def sid(session) -> str:
    return session["id"]


@pytest.fixture
def redis_url() -> str:
    """A Redis database of these tests' own, emptied first (skips when Redis is not there)."""
    import redis
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    finally:
        client.close()
    return REDIS_URL


WAIT_S = 10.0


class WsClient:
    """A raw WebSocket client of ``/ws/sessions/<sid>`` (websocket-client), JSON frames decoded."""

    def __init__(self, base_url: str, session_id: str, query: str = "", **options):
        import websocket
        self.ws = websocket.create_connection(
            base_url.replace("http://", "ws://") + f"/ws/sessions/{session_id}{query}",
            timeout=WAIT_S, **options)

    def next(self):
        import json
        text = self.ws.recv()
        return json.loads(text) if text.startswith("{") else text

    def close_code(self) -> int:
        """Read until the server's close frame; its status code."""
        import struct

        from websocket import ABNF
        for _ in range(100):
            opcode, data = self.ws.recv_data(control_frame=True)
            if opcode == ABNF.OPCODE_CLOSE:
                self.ws.shutdown()
                return struct.unpack("!H", data[:2])[0]
        raise AssertionError("no close frame")

    def close(self) -> None:
        self.ws.close(timeout=WAIT_S)


class SioClient:
    """A python-socketio client over WebSocket subscribed to a session; events go to a queue."""

    EVENTS = ("connected", "note.created", "note.updated", "note.appended", "note.deleted",
              "stt.task.created", "stt.task.done", "error.occurred", "session.ended")

    def __init__(self, base_url: str, session_id: str):
        import queue

        import socketio
        self.events: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        for name in self.EVENTS:
            self.client.on(name, lambda data, name=name: self.events.put((name, data)))
        self.client.connect(base_url, transports=["websocket"], wait_timeout=WAIT_S)
        self.ack = self.client.call("subscribe", {"session_id": session_id}, timeout=WAIT_S)

    def next(self):
        return self.events.get(timeout=WAIT_S)

    def close(self) -> None:
        self.client.disconnect()
