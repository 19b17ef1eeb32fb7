"""Per-user delivery across processes (signals, images): an event for a user with a socket in
this process is written to it here, never through Redis; otherwise, with REDIS_URL, it is
published on that user's own channel (``redis_channels.relay_user_channel``), to which a process
subscribes only while it hosts a socket of the user, so Redis hands it to those processes only
and an idle process gets nothing. Publishing is one greenlet's job: it sends what senders queued
meanwhile in one pipeline (one write and one read for the lot, which is what keeps a signal to
another process cheap under load); when Redis does not take a batch, each of its senders is told
through ``refuse(sid, event)``.

One pub/sub connection per process, read by one listener greenlet, carries the channels of the
users the process hosts, plus the process's own channel, which keeps it open while it hosts
nobody. When Redis goes, the listener tries again every RETRY_SECONDS and, once back, subscribes
to every hosted user's channel again. One sender's events keep their order: its greenlet puts
them in one FIFO queue whose batches go out in order, and the listener delivers them as Redis
hands them over.

A user with sockets in this process and in another gets events sent from this process here only.
A message on a user's channel is ``[event, payload]`` in JSON, or, when the payload holds bytes
(Socket.IO binary attachments), ``[event, payload with placeholders, [base64 attachments]]``.
"""

from __future__ import annotations

import base64
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

import orjson
import redis
from socketio.packet import Packet

from facial_backend.realtime import redis_channels, redis_connections
from facial_backend.realtime.live_rooms import NAMESPACE, room

log = logging.getLogger(__name__)

RETRY_SECONDS = 0.5  # the listener's pace while Redis is away
TIMEOUT_SECONDS = 2.0  # command timeout of the relay's Redis connections
MAX_BATCH = 256  # PUBLISH commands per pipeline
MAX_QUEUED = 10_000  # events waiting for the publisher; beyond, senders are refused at once
LocalEmit = Callable[[str, Any, str], None]  # (event, payload, room) to this process's sockets
Refuse = Callable[[str, str], None]  # (sender sid, event): Redis did not take it


class RelayUnavailable(Exception):
    """Reaching a user whose sockets are in another process needs Redis, which does not answer."""


class UserRelay:
    """The relay of one process's Socket.IO ``server``; ``emit_local`` writes to its sockets."""

    def __init__(self, server: Any, emit_local: LocalEmit, refuse: Refuse,
                 config: Mapping[str, Any], process_id: str):
        self._server, self._emit_local, self._refuse = server, emit_local, refuse
        self._hosted: dict[str, set[str]] = {}
        self._pubsub: redis.client.PubSub | None = None
        self._listener = self._publisher = None
        self._outbox = server.eio.create_queue()
        self._redis = None
        if config["REDIS_URL"]:
            self._own_channel = redis_channels.relay_process_channel(config, process_id)
            self._user_prefix = redis_channels.relay_user_prefix(config)
            self._redis = redis.Redis.from_url(
                config["REDIS_URL"], client_name=self._own_channel,
                **redis_connections.fail_fast(read_timeout=TIMEOUT_SECONDS))

    def hosts(self, user_id: str) -> bool:
        """Whether a socket of ``user_id`` is in this process."""
        return any(True for _ in self._server.manager.get_participants(NAMESPACE, room(user_id)))

    def send(self, sender: str, user_id: str, event: str, payload: Any) -> None:
        """``event`` to every socket of ``user_id`` here, or else to the processes hosting it;
        ``sender`` (a sid) is refused if Redis does not take it."""
        if self._redis is None or self.hosts(user_id):
            self._emit_local(event, payload, room(user_id))
            return
        data = encode(event, payload)
        if self._outbox.qsize() >= MAX_QUEUED:
            self._refuse(sender, event)
            return
        self._outbox.put((self._user_prefix + user_id, data, sender, event))
        if self._publisher is None:
            self._publisher = self._server.start_background_task(self._publish)

    def check(self, user_id: str) -> None:
        """Raise RelayUnavailable when reaching ``user_id`` needs Redis and Redis does not answer."""
        if self._redis is None or self.hosts(user_id):
            return
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            raise RelayUnavailable(str(exc)) from None

    def host(self, user_id: str, sid: str) -> None:
        """Socket ``sid`` of ``user_id`` is here: receive the user's channel."""
        if self._redis is None:
            return
        sids = self._hosted.setdefault(user_id, set())
        first, pubsub = not sids, self._pubsub
        sids.add(sid)
        if self._listener is None:
            self._listener = self._server.start_background_task(self._listen)
        elif first and pubsub is not None:
            with contextlib.suppress(redis.RedisError):  # the listener subscribes when back
                pubsub.subscribe(self._user_prefix + user_id)

    def unhost(self, user_id: str, sid: str) -> None:
        """Socket ``sid`` of ``user_id`` left: the channel is dropped with the user's last one."""
        sids = self._hosted.get(user_id)
        if sids is None:
            return
        sids.discard(sid)
        if not sids:
            del self._hosted[user_id]
            pubsub = self._pubsub
            if pubsub is not None:
                with contextlib.suppress(redis.RedisError):
                    pubsub.unsubscribe(self._user_prefix + user_id)

    def _publish(self) -> None:
        outbox, failing = self._outbox, False
        while True:
            batch = [outbox.get()]
            while len(batch) < MAX_BATCH and not outbox.empty():
                batch.append(outbox.get_nowait())
            try:
                pipeline = self._redis.pipeline(transaction=False)
                for channel, data, _sender, _event in batch:
                    pipeline.publish(channel, data)
                pipeline.execute()
                failing = False
            except Exception as exc:  # redis-py's errors, or a broken connection's
                if not failing:  # once per outage
                    log.warning("relay: events not published, their senders are told (%s)", exc)
                    failing = True
                for _channel, _data, sender, event in batch:
                    self._refuse(sender, event)

    def _subscribe(self) -> redis.client.PubSub:
        """A new subscription to this process's channel and every hosted user's; users hosted or
        dropped while it was being made are caught up before it is published for the others."""
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(self._own_channel)
        done: set[str] = set()
        while todo := set(self._hosted) - done:
            pubsub.subscribe(*(self._user_prefix + user_id for user_id in todo))
            done |= todo
        if gone := done - set(self._hosted):
            pubsub.unsubscribe(*(self._user_prefix + user_id for user_id in gone))
        self._pubsub = pubsub
        return pubsub

    def _listen(self) -> None:
        warned = False
        while True:
            pubsub = None
            try:
                pubsub = self._subscribe()
                if warned:
                    log.warning("relay: Redis is back; %d user channel(s) subscribed again", len(self._hosted))
                    warned = False
                for message in pubsub.listen():
                    if message["type"] == "message":
                        self._deliver(message["channel"].decode(), message["data"])
            except Exception as exc:  # redis-py's errors, or a broken connection's
                if not warned:
                    log.warning("relay: Redis unavailable (%s); retrying every %ss", exc, RETRY_SECONDS)
                    warned = True
            self._pubsub = None
            if pubsub is not None:
                with contextlib.suppress(redis.RedisError):
                    pubsub.close()
            self._server.sleep(RETRY_SECONDS)

    def _deliver(self, channel: str, data: bytes) -> None:
        if not channel.startswith(self._user_prefix):
            return
        try:
            event, payload = decode(data)
            self._emit_local(event, payload, room(channel[len(self._user_prefix):]))
        except Exception:  # one bad message must not stop the listener
            log.exception("relay: could not deliver a message of %s", channel)


def encode(event: str, payload: Any) -> bytes:
    """A message of a user's channel (see the module's docstring)."""
    try:
        return orjson.dumps([event, payload])
    except TypeError:  # bytes in the payload
        shell, attachments = Packet.deconstruct_binary(payload)
        return orjson.dumps([event, shell, [base64.b64encode(item).decode() for item in attachments]])


def decode(data: bytes) -> tuple[str, Any]:
    event, payload, *binary = orjson.loads(data)
    if binary:
        payload = Packet.reconstruct_binary(payload, [base64.b64decode(item) for item in binary[0]])
    return event, payload
