"""Live events of a session (seed 004, ORIGINS C.5): the raw WebSocket ``/ws/sessions/<sid>``
and the Socket.IO ``subscribe``/``unsubscribe`` events. ``facial_backend.realtime.events`` fans out.

A refused connection is accepted, told why (``session.not_found`` or ``unauthorized``) and
closed with 1008, so browser clients can see the reason (the origin's 403 handshake hid it).
``register`` adds the route and the handlers to an app, and the hook that refuses publishing
routes while live events cannot be queued (``events.refuse_publishers_when_backlogged``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, request
from flask_socketio import emit, join_room, leave_room
from simple_websocket import ConnectionClosed

from facial_backend.auth import bearer_token, user_from_token
from facial_backend.errors import ApiError, NotFound
from facial_backend.extensions import db, sock, socketio
from facial_backend.realtime import events
from facial_backend.realtime.event_subscribers import Subscriber, hub
from facial_backend.services.testbed.sessions import session_status

bp = Blueprint("session_events", __name__)  # the raw WebSocket route
POLICY_VIOLATION = 1008
MAX_CLIENT_MESSAGE = 64 * 1024


def register(app: Flask) -> None:
    """The WebSocket route, with server pings on every connection (a dead peer is dropped after
    one interval), and the Socket.IO handlers, bound to the server of ``app``."""
    app.config.setdefault("SOCK_SERVER_OPTIONS", {
        "ping_interval": app.config["WS_PING_INTERVAL"], "max_message_size": MAX_CLIENT_MESSAGE})
    app.register_blueprint(bp)
    app.before_request(events.refuse_publishers_when_backlogged)
    socketio.on_event("subscribe", on_subscribe)
    socketio.on_event("unsubscribe", on_unsubscribe)


def _refusal(session_id: str, token: str | None) -> tuple[str, str] | None:
    """``(event, message)`` when the client may not subscribe, else None."""
    try:
        user = user_from_token(token) if token else None
    except ApiError as error:
        return "unauthorized", error.message
    if user is None and current_app.config["AUTH_REQUIRED"]:
        return "unauthorized", "Not authenticated"
    try:
        session_status(session_id)
    except NotFound as missing:
        return "session.not_found", missing.message
    finally:
        db.session.remove()  # the connection goes back to the pool for the socket's lifetime
    return None


@sock.route("/ws/sessions/<session_id>", bp=bp)
def session_socket(ws, session_id):
    """Live events of a session (WebSocket, text frames; ?token= when AUTH_REQUIRED).

    Sends {event, session_id, data} envelopes: connected, note.created, note.updated,
    note.appended, note.deleted, stt.task.created, stt.task.done, error.occurred,
    session.ended. Text 'ping' is answered with 'pong'."""
    refusal = _refusal(session_id, request.args.get("token"))
    if refusal:
        ws.send(events.envelope(session_id, refusal[0], {"message": refusal[1]}))
        ws.close(reason=POLICY_VIOLATION, message=refusal[1][:100])
        return
    events.follow()
    ws.send(events.envelope(session_id, "connected",
                            {"message": f"Connected to session {session_id}"}))
    _serve(ws, session_id)


def _serve(ws, session_id: str) -> None:
    """Read the client's frames (``ping`` -> ``pong``) while the writer sends the events."""
    subscriber = Subscriber(ws, session_id, request.environ.get("gunicorn.socket"))
    hub.add(subscriber)
    subscriber.start()
    try:
        while not subscriber.dropped:
            if ws.receive() == "ping" and not subscriber.offer("pong"):
                break
    except ConnectionClosed:
        pass
    finally:
        hub.remove(subscriber)
        subscriber.stop()


def _socketio_token(data: Any) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("token"), str):
        return data["token"]
    try:
        return request.args.get("token") or bearer_token()
    except ApiError:
        return "invalid"


def on_subscribe(data: Any) -> dict[str, Any]:
    """``subscribe`` with ``{"session_id": ..., "token"?: ...}`` or the id as a string: joins
    the session's room and answers (ack) ``{"ok": true, ...}`` plus a ``connected`` event."""
    session_id = data.get("session_id") if isinstance(data, dict) else data
    if not isinstance(session_id, str) or not session_id:
        return {"ok": False, "error": "session_id is required"}
    refusal = _refusal(session_id, _socketio_token(data))
    if refusal:
        emit(refusal[0], {"event": refusal[0], "session_id": session_id,
                          "data": {"message": refusal[1]}})
        return {"ok": False, "event": refusal[0], "error": refusal[1]}
    events.follow()
    join_room(events.room(session_id))
    message = f"Connected to session {session_id}"
    emit("connected", {"event": "connected", "session_id": session_id, "data": {"message": message}})
    return {"ok": True, "session_id": session_id}


def on_unsubscribe(data: Any) -> dict[str, Any]:
    session_id = data.get("session_id") if isinstance(data, dict) else data
    if not isinstance(session_id, str) or not session_id:
        return {"ok": False, "error": "session_id is required"}
    leave_room(events.room(session_id))
    return {"ok": True, "session_id": session_id}
