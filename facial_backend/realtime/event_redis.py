"""Live events between processes through one Redis stream (when REDIS_URL is set; its key is
``redis_channels.events_channel``). No event is lost while Redis is away for a while.

``send`` hands the event to a sender greenlet and returns: a slow or absent Redis never holds up
the caller. The sender appends the events to the stream in the order they were sent; when Redis
fails it keeps them, in order, in the bounded outbox and tries again after 0.25 s, doubling up
to 1 s, until Redis takes them. ``has_room`` is false once ``size`` events wait, so HTTP
publishers can be refused before they do anything (``events.refuse_publishers_when_backlogged``);
``overflow`` more places hold the events of requests already under way and of other publishers
(the STT worker); an event beyond those is dropped, logged and counted. A process that exits
waits up to ``FLUSH_AT_EXIT_S`` for its events to reach Redis.

One listener greenlet per process reads the stream from where it stood when the listener
started (or, Redis being away then, from that moment) and hands every event (its own process's
included, so each arrives once) to the raw subscribers and the Socket.IO rooms of the process.
Being a stream, not pub/sub, a listener that reconnects (within 1 s of Redis's return) also
gets what other processes appended while it was away. Every event carries its sender's id and
sequence number, so one appended twice (a reply lost with the connection) is delivered once.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import redis

from facial_backend.metrics import count_dropped_event, count_redis_publish_failure, set_queued_events
from facial_backend.realtime import redis_connections

log = logging.getLogger(__name__)

OUTBOX_SIZE = 10_000  # events waiting for Redis before HTTP publishers are refused ...
OVERFLOW = 1_000  # ... and more for requests under way and the STT worker, before a drop
BATCH = 200  # events appended in one round trip
RETRY_FIRST_S, RETRY_MAX_S = 0.25, 1.0
STREAM_KEEP = 10_000  # entries the stream keeps (approximately) ...
STREAM_TTL_S = 600  # ... for at most this long after the last event
READ_BLOCK_MS = 10_000
SENDERS_REMEMBERED = 256  # senders whose last sequence number a listener keeps
FLUSH_AT_EXIT_S = 5.0  # a process that exits waits this long at most for its events to reach Redis


def _client(url: str, timeout: float) -> redis.Redis:
    return redis.Redis.from_url(url, **redis_connections.fail_fast(retries=0, read_timeout=timeout))


class RedisRelay:
    """Events through one Redis stream: a sender greenlet and a listener greenlet.
    ``deliver(session_id, text)`` hands an arriving event to this process's raw subscribers;
    ``emit(session_id, event, body)`` to the Socket.IO rooms of this process."""

    def __init__(self, url: str, channel: str, deliver: Callable[[str, str], None],
                 emit: Callable[[str, str, dict[str, Any]], None],
                 size: int = OUTBOX_SIZE, overflow: int = OVERFLOW):
        self.url = url
        self.channel = channel
        self.deliver = deliver
        self.emit = emit
        self.size = size
        self.capacity = size + overflow
        self.origin = uuid.uuid4().hex
        self.outbox: queue.Queue = queue.Queue()  # bounded by ``capacity``, the held batch included
        self.listening = threading.Event()
        self.failing_since: float | None = None  # monotonic time of the first failure of an outage
        self._held = 0  # events taken from the outbox and not yet in Redis
        self._sequence = 0
        self._lock = threading.Lock()
        self._drained = threading.Condition()
        self._sender: threading.Thread | None = None
        self._listener: threading.Thread | None = None

    def queued(self) -> int:
        """Events of this process not yet in Redis."""
        return self.outbox.qsize() + self._held

    def has_room(self) -> bool:
        return self.queued() < self.size

    def flush(self, timeout: float) -> bool:
        """Wait until every event sent is in Redis; False on timeout."""
        with self._drained:
            return self._drained.wait_for(lambda: self.queued() == 0, timeout)

    def send(self, session_id: str, event: str, text: str) -> bool:
        """Queue the event for the stream; False when the outbox is full and it was dropped."""
        with self._lock:
            if self._sender is None:
                self._sender = threading.Thread(target=self._send_loop, daemon=True,
                                                name="events-redis-sender")
                self._sender.start()
            if self.failing_since is not None:
                count_redis_publish_failure()
            if self.queued() >= self.capacity:
                log.error("live event outbox full (Redis unreachable); %s of session %s dropped",
                          event, session_id)
                count_dropped_event()
                return False
            self._sequence += 1
            self.outbox.put_nowait((self._sequence, session_id, text))
        return True

    def _send_loop(self) -> None:
        client = _client(self.url, timeout=10)
        delay = RETRY_FIRST_S
        batch: list[tuple[int, str, str]] = []
        while True:
            if not batch:
                batch = self._take()
            try:
                self._append(client, batch)
            except redis.RedisError as error:
                self._failed(error)
                set_queued_events(self.queued())
                time.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            with self._drained:
                self._held, batch, delay = 0, [], RETRY_FIRST_S
                self._drained.notify_all()
            if self.failing_since is not None:
                log.warning("live events reach Redis again after %.1f s", time.monotonic() - self.failing_since)
                self.failing_since = None
            set_queued_events(self.queued())

    def _take(self) -> list[tuple[int, str, str]]:
        batch = [self.outbox.get()]
        self._held = 1
        while len(batch) < BATCH:
            try:
                batch.append(self.outbox.get_nowait())
            except queue.Empty:
                break
            self._held += 1
        return batch

    def _append(self, client: redis.Redis, batch: list[tuple[int, str, str]]) -> None:
        pipe = client.pipeline(transaction=False)
        for sequence, session_id, text in batch:
            pipe.xadd(self.channel, {"origin": self.origin, "seq": sequence, "session_id": session_id,
                                     "text": text}, maxlen=STREAM_KEEP, approximate=True)
        pipe.expire(self.channel, STREAM_TTL_S)
        pipe.execute()

    def _failed(self, error: redis.RedisError) -> None:
        if self.failing_since is None:
            self.failing_since = time.monotonic()
            count_redis_publish_failure(self.queued())  # then each event sent during the outage
            log.warning("appending live events to Redis failed (%s); %d queued, retrying",
                        error, self.queued())

    def listen(self, timeout: float) -> bool:
        """Start the listener once; True when it has its place in the stream (events from then on
        arrive, after an outage too)."""
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(target=self._listen_loop, daemon=True,
                                                  name="events-redis-listener")
                self._listener.start()
        return self.listening.wait(timeout)

    def _listen_loop(self) -> None:
        started = f"{int(time.time() * 1000)}-0".encode()  # the place, if Redis is away at first
        delay = RETRY_FIRST_S
        lost_at: float | None = None
        position: bytes | None = None
        seen: OrderedDict[bytes, int] = OrderedDict()
        while True:
            client = _client(self.url, timeout=READ_BLOCK_MS / 1000 + 5)
            try:
                last = client.xrevrange(self.channel, count=1)
                if position is None:
                    position = started if lost_at is not None else last[0][0] if last else b"0-0"
                    self.listening.set()
                if lost_at is not None:
                    log.warning("Redis event listener reading again after %.1f s", time.monotonic() - lost_at)
                    lost_at, delay = None, RETRY_FIRST_S
                while True:
                    for _key, entries in client.xread({self.channel: position}, count=BATCH,
                                                      block=READ_BLOCK_MS) or ():
                        for entry_id, fields in entries:
                            position = entry_id
                            self._arrived(entry_id, fields, seen)
            except (redis.RedisError, OSError) as error:
                if lost_at is None:
                    lost_at = time.monotonic()
                    log.warning("Redis event listener lost its connection (%s); retrying", error)
            finally:
                client.close()
            time.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    def _arrived(self, entry_id: bytes, fields: dict[bytes, bytes], seen: OrderedDict[bytes, int]) -> None:
        try:
            origin, sequence = fields[b"origin"], int(fields[b"seq"])
            session_id, text = fields[b"session_id"].decode(), fields[b"text"].decode()
            body = json.loads(text)
            event = body["event"]
        except (KeyError, ValueError, TypeError):
            log.error("skipping malformed live event %r in the Redis stream", entry_id)
            return
        if seen.get(origin, 0) >= sequence:
            return  # appended twice: the reply to the first append was lost
        seen[origin] = sequence
        seen.move_to_end(origin)
        if len(seen) > SENDERS_REMEMBERED:
            seen.popitem(last=False)
        self.deliver(session_id, text)
        self.emit(session_id, event, body)


_relays: dict[tuple[int, str, str], RedisRelay] = {}
_relays_lock = threading.Lock()


def relay_for(url: str, channel: str, deliver: Callable[[str, str], None],
              emit: Callable[[str, str, dict[str, Any]], None]) -> RedisRelay:
    """This process's relay for a Redis URL and channel (a forked process makes its own)."""
    key = (os.getpid(), url, channel)
    with _relays_lock:
        relay = _relays.get(key)
        if relay is None:
            relay = _relays[key] = RedisRelay(url, channel, deliver, emit, OUTBOX_SIZE, OVERFLOW)
            atexit.register(relay.flush, FLUSH_AT_EXIT_S)
        return relay


def existing(url: str, channel: str) -> RedisRelay | None:
    """This process's relay when it has one (asking makes none)."""
    with _relays_lock:
        return _relays.get((os.getpid(), url, channel))
