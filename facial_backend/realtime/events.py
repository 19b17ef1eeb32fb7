"""Live events of a session: one ``publish()`` for Socket.IO rooms and raw WebSocket subscribers,
in every process, whichever process (web, STT worker, CLI) raises the event.

Every event is the envelope ``{"event", "session_id", "data"}`` (datetimes as ISO ``Z``).
Socket.IO clients get it in the room ``room(session_id)``; raw WebSocket clients of
``/ws/sessions/<sid>`` through this process's ``event_subscribers.hub``. With ``REDIS_URL`` it
travels through Redis (``event_redis``: kept and retried while Redis is away); without, through
the database (``event_outbox``). A process with subscribers calls ``follow()`` before it tells
them they are connected. While this process's Redis outbox is full, the HTTP routes that publish
are refused with 503 ``events_unavailable`` before they change anything
(``refuse_publishers_when_backlogged``, a ``before_request`` hook).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from flask import current_app, request

from facial_backend.errors import ApiError
from facial_backend.extensions import socketio
from facial_backend.realtime import event_outbox, event_redis, redis_channels
from facial_backend.realtime.event_subscribers import hub
from facial_backend.timeutil import isoformat_z

log = logging.getLogger(__name__)

LISTENER_READY_TIMEOUT = 5.0
RETRY_AFTER_S = 5
# The HTTP routes whose work ends in publish(): refused up front while the Redis outbox is full.
PUBLISHING_ENDPOINTS = frozenset({
    "testbed_sessions.update_session", "testbed_notes.create_note", "testbed_notes.update_note",
    "testbed_notes.append_to_note", "testbed_notes.delete_note", "testbed_stt.create_task",
    "testbed_stt.update_task", "testbed_stt_upload.upload", "live_http.post_segment",
})


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
    """Send an event to every subscriber of the session, on every process."""
    body = _body(session_id, event, data)
    text = _as_text(body)  # serialised once, for raw WebSocket clients and the other processes
    if current_app.config.get("REDIS_URL"):
        _redis().send(session_id, event, text)
        return
    _outbox(current_app.config["SQLALCHEMY_DATABASE_URI"]).publish(session_id, event, text)
    hub.deliver(session_id, text)
    _emit_socketio(session_id, event, body)


def follow() -> None:
    """Make sure events raised by other processes from now on reach this process."""
    config = current_app.config
    if config["REDIS_URL"]:
        if not _redis().listen(LISTENER_READY_TIMEOUT):
            log.warning("Redis event listener not ready; events from other processes may be missed")
    else:
        _outbox(config["SQLALCHEMY_DATABASE_URI"]).follow()


def queued() -> int:
    """Events of this process waiting for Redis (0 without Redis or before the first event)."""
    relay = _existing_redis()
    return relay.queued() if relay is not None else 0


def publishing_fails() -> bool:
    """Whether this process's last attempt to hand events to Redis failed."""
    relay = _existing_redis()
    return relay is not None and relay.failing_since is not None


def refuse_publishers_when_backlogged() -> None:
    """``before_request``: a route that publishes gets 503 ``events_unavailable`` while this
    process's Redis outbox is full, before it does anything (its event could not be delivered;
    refusing after the commit would misreport what was done)."""
    if request.endpoint not in PUBLISHING_ENDPOINTS:
        return
    relay = _existing_redis()
    if relay is not None and not relay.has_room():
        raise ApiError(503, "events_unavailable",
                       f"Live events cannot be delivered: Redis is unreachable and {relay.queued()} "
                       "events already wait; retry later.", headers={"Retry-After": str(RETRY_AFTER_S)})


def _existing_redis() -> event_redis.RedisRelay | None:
    config = current_app.config
    if not config.get("REDIS_URL"):
        return None
    return event_redis.existing(config["REDIS_URL"], redis_channels.events_channel(config))


def _redis() -> event_redis.RedisRelay:
    config = current_app.config
    return event_redis.relay_for(config["REDIS_URL"], redis_channels.events_channel(config),
                                 hub.deliver, _emit_socketio)


def _outbox(url: str) -> event_outbox.OutboxRelay:
    return event_outbox.relay_for(url, _deliver_from_elsewhere)


def _deliver_from_elsewhere(session_id: str, event: str, text: str) -> None:
    hub.deliver(session_id, text)
    _emit_socketio(session_id, event, json.loads(text))


def _emit_socketio(session_id: str, event: str, body: dict[str, Any]) -> None:
    """To the session's room in this process only: every process gets the event from Redis (or
    the outbox table) and emits it itself, so Socket.IO's own queue, which drops what it cannot
    publish, is not in the way."""
    try:
        socketio.emit(event, body, to=room(session_id), namespace="/", ignore_queue=True)
    except Exception:  # noqa: BLE001 - an event is never worth failing the caller
        log.exception("Socket.IO emit of %s failed", event)
