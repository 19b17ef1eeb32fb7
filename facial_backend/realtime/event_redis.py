"""Live events between processes through one Redis channel (when REDIS_URL is set; its name is
``redis_channels.events_channel``).

``send`` hands the event to a sender greenlet that publishes it on the channel and emits it
through Socket.IO's Redis queue, so a slow or absent Redis never holds up the caller: the
outbox is bounded and a full one drops the event with a log line. One listener greenlet per
process delivers what arrives on the channel to the raw subscribers of the process, its own
events included (so each arrives once).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

import redis

log = logging.getLogger(__name__)

OUTBOX_SIZE = 10_000  # events waiting for Redis


class RedisRelay:
    """Events through one Redis channel: a sender greenlet and a listener greenlet.
    ``deliver(session_id, text)`` hands an arriving event to this process's raw subscribers;
    ``emit(session_id, event, body)`` sends one to the Socket.IO rooms of every process."""

    def __init__(self, url: str, channel: str, deliver: Callable[[str, str], None],
                 emit: Callable[[str, str, dict[str, Any]], None]):
        self.url = url
        self.channel = channel
        self.client = redis.Redis.from_url(url, socket_timeout=10)
        self.deliver = deliver
        self.emit = emit
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
                self.client.publish(self.channel, json.dumps({"session_id": session_id, "text": text}))
            except redis.RedisError:
                log.exception("publishing %s to Redis failed", event)
            self.emit(session_id, event, body)

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
            pubsub.subscribe(self.channel)
            for message in pubsub.listen():
                if message["type"] == "subscribe":
                    self.listening.set()
                elif message["type"] == "message":
                    item = json.loads(message["data"])
                    self.deliver(item["session_id"], item["text"])
        finally:
            pubsub.close()
            client.close()


_relays: dict[tuple[int, str, str], RedisRelay] = {}
_relays_lock = threading.Lock()


def relay_for(url: str, channel: str, deliver: Callable[[str, str], None],
              emit: Callable[[str, str, dict[str, Any]], None]) -> RedisRelay:
    """This process's relay for a Redis URL and channel (a forked process makes its own)."""
    key = (os.getpid(), url, channel)
    with _relays_lock:
        relay = _relays.get(key)
        if relay is None:
            relay = _relays[key] = RedisRelay(url, channel, deliver, emit)
        return relay
