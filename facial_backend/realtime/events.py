"""Live events of a session: one ``publish()`` for Socket.IO rooms and raw WebSocket subscribers.

Every event is the envelope ``{"event", "session_id", "data"}`` (datetimes as ISO ``Z``).
Socket.IO clients get it in the room ``room(session_id)``; raw WebSocket clients of
``/ws/sessions/<sid>`` through a ``Subscriber`` each: a bounded queue drained by its own writer
greenlet, so ``publish()`` only queues and a subscriber that stops reading is dropped when its
queue is full, never waited for.

Without ``REDIS_URL`` events stay in this process. With it, ``publish()`` hands the event to a
sender greenlet that publishes it on one Redis channel (and emits it through Socket.IO's Redis
queue); one listener greenlet per process delivers what arrives on that channel to the raw
subscribers of the process, its own included. So a slow or absent Redis never holds up the
request either: the outbox is bounded and a full one drops the event with a log line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import socket
import threading
from datetime import datetime
from typing import Any

import redis
from flask import current_app

from facial_backend.extensions import socketio
from facial_backend.timeutil import isoformat_z

log = logging.getLogger(__name__)

REDIS_CHANNEL = "facial_backend:session_events"
SUBSCRIBER_QUEUE = 1000  # events waiting for one raw WebSocket client ...
SUBSCRIBER_BYTES = 8 * 1024 * 1024  # ... and their size (one larger event passes alone)
OUTBOX_SIZE = 10_000  # events waiting for Redis
_STOP = object()


def room(session_id: str) -> str:
    """The Socket.IO room of a session's testbed events (prefixed: other rooms are ids too)."""
    return f"testbed:{session_id}"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return isoformat_z(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _as_text(body: dict[str, Any]) -> str:
    return json.dumps(body, default=_json_default, separators=(",", ":"))


def _body(session_id: str, event: str, data: Any) -> dict[str, Any]:
    return {"event": event, "session_id": session_id, "data": data}


def envelope(session_id: str, event: str, data: Any) -> str:
    return _as_text(_body(session_id, event, data))


def publish(session_id: str, event: str, data: Any) -> None:
    """Send an event to every subscriber of the session, on every process; never blocks."""
    body = _body(session_id, event, data)
    text = _as_text(body)  # serialised once, for raw WebSocket clients and Redis
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        relay_for(redis_url).send(session_id, event, text, body)
        return
    hub.deliver(session_id, text)
    _emit_socketio(session_id, event, body)


def _emit_socketio(session_id: str, event: str, body: dict[str, Any]) -> None:
    try:
        socketio.emit(event, body, to=room(session_id), namespace="/")
    except Exception:  # noqa: BLE001 - an event is never worth failing the caller
        log.exception("Socket.IO emit of %s failed", event)


class SerialSocket:
    """A socket whose ``send`` writes everything, one caller at a time.

    simple-websocket calls ``sock.send`` once per frame and from two greenlets (the writer and
    its ping loop); with gevent a large frame can be written in part, and a ping could land in
    the middle of it. Installed as ``ws.sock`` so every frame goes out whole and alone.
    """

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._lock = threading.Lock()

    def send(self, data: bytes) -> int:
        with self._lock:
            self._sock.sendall(data)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class Subscriber:
    """One raw WebSocket client: a bounded queue and the greenlet that writes it out."""

    def __init__(self, ws: Any, session_id: str, maxsize: int = SUBSCRIBER_QUEUE):
        if not isinstance(ws.sock, SerialSocket):
            ws.sock = SerialSocket(ws.sock)
        self.ws = ws
        self.session_id = session_id
        self.queue: queue.Queue = queue.Queue(maxsize)
        self.queued_bytes = 0  # approximate: updated without a lock, only a bound
        self.dropped = False
        self._writer = threading.Thread(target=self._write_loop, daemon=True,
                                        name=f"ws-writer-{session_id}")

    def start(self) -> None:
        self._writer.start()

    def offer(self, text: str) -> bool:
        """Queue a frame; False (and the connection is cut) when the client is too far behind."""
        if self.queued_bytes and self.queued_bytes + len(text) > SUBSCRIBER_BYTES:
            self.abort()
            return False
        try:
            self.queue.put_nowait(text)
        except queue.Full:
            self.abort()
            return False
        self.queued_bytes += len(text)
        return True

    def stop(self) -> None:
        """End the writer after the frames already queued."""
        try:
            self.queue.put_nowait(_STOP)
        except queue.Full:
            self.abort()

    def abort(self) -> None:
        """Cut the connection without sending anything (the writer may be stuck in a send)."""
        if self.dropped:
            return
        self.dropped = True
        log.warning("dropping a WebSocket subscriber of %s that does not keep up", self.session_id)
        with contextlib.suppress(OSError):
            self.ws.sock.shutdown(socket.SHUT_RDWR)

    def _write_loop(self) -> None:
        while not self.dropped:
            item = self.queue.get()
            if item is _STOP:
                return
            self.queued_bytes -= len(item)
            try:
                self.ws.send(item)
            except Exception:  # noqa: BLE001 - a closed or broken connection ends the writer
                self.abort()
                return


class Hub:
    """The raw WebSocket subscribers of this process, by session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscriber]] = {}

    def add(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.setdefault(subscriber.session_id, set()).add(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        with self._lock:
            members = self._subscribers.get(subscriber.session_id)
            if members is not None:
                members.discard(subscriber)
                if not members:
                    del self._subscribers[subscriber.session_id]

    def deliver(self, session_id: str, text: str) -> None:
        with self._lock:
            members = list(self._subscribers.get(session_id, ()))
        for subscriber in members:
            if not subscriber.offer(text):
                self.remove(subscriber)


hub = Hub()


class RedisRelay:
    """Events through one Redis channel: a sender greenlet and a listener greenlet."""

    def __init__(self, url: str, target: Hub):
        self.url = url
        self.client = redis.Redis.from_url(url, socket_timeout=10)
        self.target = target
        self.outbox: queue.Queue = queue.Queue(OUTBOX_SIZE)
        self.listening = threading.Event()
        self._lock = threading.Lock()
        self._sender: threading.Thread | None = None
        self._listener: threading.Thread | None = None

    def send(self, session_id: str, event: str, text: str, body: dict[str, Any]) -> None:
        with self._lock:
            if self._sender is None:
                self._sender = threading.Thread(target=self._send_loop, daemon=True,
                                                name="events-redis-sender")
                self._sender.start()
        try:
            self.outbox.put_nowait((session_id, event, text, body))
        except queue.Full:
            log.error("event outbox full; %s of session %s dropped", event, session_id)

    def _send_loop(self) -> None:
        while True:
            session_id, event, text, body = self.outbox.get()
            try:
                self.client.publish(REDIS_CHANNEL, json.dumps({"session_id": session_id, "text": text}))
            except redis.RedisError:
                log.exception("publishing %s to Redis failed", event)
            _emit_socketio(session_id, event, body)

    def listen(self, timeout: float) -> bool:
        """Start the listener once; True when it is subscribed (events from now on arrive)."""
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(target=self._listen_loop, daemon=True,
                                                  name="events-redis-listener")
                self._listener.start()
        return self.listening.wait(timeout)

    def _listen_loop(self) -> None:
        retry = threading.Event()
        delay = 0.5
        while True:
            try:
                self._listen_once()
            except (redis.RedisError, OSError, ValueError):
                log.exception("Redis event listener lost its connection; retrying in %.1f s", delay)
            delay = 0.5 if self.listening.is_set() else min(delay * 2, 10.0)
            self.listening.clear()
            retry.wait(delay)

    def _listen_once(self) -> None:
        # A connection of its own without a read timeout: the channel may be quiet for hours.
        client = redis.Redis.from_url(self.url, socket_keepalive=True, health_check_interval=30)
        pubsub = client.pubsub(ignore_subscribe_messages=False)
        try:
            pubsub.subscribe(REDIS_CHANNEL)
            for message in pubsub.listen():
                if message["type"] == "subscribe":
                    self.listening.set()
                elif message["type"] == "message":
                    item = json.loads(message["data"])
                    self.target.deliver(item["session_id"], item["text"])
        finally:
            pubsub.close()
            client.close()


_relays: dict[tuple[int, str], RedisRelay] = {}
_relays_lock = threading.Lock()


def relay_for(url: str) -> RedisRelay:
    """This process's relay for a Redis URL (a forked process makes its own)."""
    key = (os.getpid(), url)
    with _relays_lock:
        relay = _relays.get(key)
        if relay is None:
            relay = _relays[key] = RedisRelay(url, hub)
        return relay
