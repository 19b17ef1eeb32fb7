"""Socket.IO events of the evaluator/client apps (ORIGINS A.2), same names and payloads.

Added to the origin: token check at connect, sessions only between the two members (relay
refused to anyone else), per-socket rate limit, ``error`` events ``{code, message, event}``,
``registered`` after ``register``. A member that disconnects on purpose ends its session at
once; one whose transport is lost (ping timeout, network drop) has SESSION_GRACE_SECONDS to come
back: the peer is told ``session_suspended``, and a return is told to both as
``session_resumed``, never as a replayed ``session_started``. Each user has a room
``user:<id>``; with REDIS_URL the message queue delivers to it in whichever process the user's
sockets are; signals and images take ``user_relay`` instead (this process's sockets directly,
else only the processes hosting the peer), and when Redis cannot take one the sender gets
``error`` ``relay_unavailable``, as does a ``start_session`` for a client elsewhere while Redis
is away (refused before the session is made). ``register`` binds the handlers to an app's
Socket.IO server.

Signals and images go only inside a session (``live_rooms``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_socketio import emit, join_room, leave_room
from marshmallow import ValidationError
from socketio.exceptions import ConnectionRefusedError

from facial_backend import metrics
from facial_backend.auth import user_from_token
from facial_backend.errors import ApiError
from facial_backend.extensions import socketio
from facial_backend.realtime import live_sweeper, presence_updates, socket_admission
from facial_backend.realtime.live_rooms import (
    announce_ended,
    announce_suspended,
    current_member,
    room,
    seat,
    session_room,
)
from facial_backend.realtime.socket_fast_path import FastEvents
from facial_backend.realtime.user_relay import RelayUnavailable, UserRelay
from facial_backend.schemas import live as schemas
from facial_backend.schemas.base import is_safe_id
from facial_backend.services.live import presence
from facial_backend.services.live import sessions as live_sessions
from facial_backend.services.live import sockets as live_sockets
from facial_backend.services.live.sessions import LiveError, Membership

_HANDLERS: list[tuple[str, Callable]] = []
_REGISTER, _START = schemas.RegisterEvent(), schemas.StartSessionEvent()
_IMAGE, _ACK = schemas.ImageUpdateEvent(), schemas.ImageAckEvent()
UNAVAILABLE = "The other member's server cannot be reached (Redis is unavailable); try again."


def register(app: Flask, fast: FastEvents | None) -> None:
    """Bind the handlers to the Socket.IO server of ``app`` (one server per app); signals and
    images go through ``user_relay``, which writes to this process's sockets by the short path
    ``fast`` when it is engaged, else by python-socketio's emit without the queue."""
    for name, handler in _HANDLERS:
        socketio.on_event(name, handler)
    server = socketio.server
    emit_local = fast.emit if fast is not None else \
        (lambda name, payload, to: server.emit(name, payload, to=to, ignore_queue=True))

    def unavailable(sid: str, name: str) -> None:
        server.emit("error", {"code": "relay_unavailable", "message": UNAVAILABLE, "event": name},
                    to=sid, ignore_queue=True)
    relay = app.extensions["user_relay"] = UserRelay(server, emit_local, unavailable, app.config,
                                                     live_sockets.WORKER)
    if fast is not None:
        fast.route("webrtc_signal", _relay_handler(app, relay))
    else:
        server.on("webrtc_signal", _relay_handler(app, relay))


def _relay() -> UserRelay:
    return current_app.extensions["user_relay"]


def _send(user_id: str, name: str, payload: dict) -> None:
    _relay().send(request.sid, user_id, name, payload)


def handles(name: str) -> Callable:
    def decorator(handler: Callable) -> Callable:
        _HANDLERS.append((name, handler))
        return handler
    return decorator


def _error(code: str, message: str, event: str) -> None:
    emit("error", {"code": code, "message": message, "event": event})


def _load(schema, data) -> dict:
    if not isinstance(data, dict):
        raise LiveError("invalid_payload", "The payload must be an object.")
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise LiveError("invalid_payload", f"Invalid fields: {exc.messages}") from None


def event(name: str, *, registered: str | None = "any") -> Callable:
    """A Socket.IO handler with the rate limit, the registration/role check and LiveError
    turned into an ``error`` event. ``registered``: "any", a role, or None (not needed)."""
    def decorator(handler: Callable) -> Callable:
        def refuse(_sid: str, code: str, message: str) -> None:
            _error(code, message, name)

        @handles(name)
        @functools.wraps(handler)
        def wrapper(data=None):
            state = _admitted(request.sid, name, registered, refuse)
            if state is None:
                return None
            try:
                return handler(state, data)
            except LiveError as exc:
                _error(exc.code, exc.message, name)
        return wrapper
    return decorator


def _admitted(sid: str, name: str, registered: str | None,
              refuse: Callable[[str, str, str], None]) -> live_sockets.SocketState | None:
    """The socket's state when its message may be handled: within the rate limit (messages
    over it are dropped, with an error at most once a second) and registered as ``name``
    needs; otherwise None, the sender having been told why through
    ``refuse(sid, code, message)``."""
    state = live_sockets.get(sid)
    if state is None:
        return None
    if not state.take():
        if state.should_warn():
            refuse(sid, "rate_limited", "Too many messages; some were dropped.")
        return None
    if registered and state.user_id is None:
        refuse(sid, "not_registered", "Send register first.")
        return None
    if registered not in (None, "any") and state.role != registered:
        refuse(sid, "wrong_role", f"Only the {registered} can send {name}.")
        return None
    return state


@handles("connect")
def on_connect(auth=None):
    """Verify a token given as ``auth: {token}`` or ``?token=``; without one, register is
    accepted only while AUTH_REQUIRED is false."""
    token = auth.get("token") if isinstance(auth, dict) else None
    token = token or request.args.get("token")
    user = None
    if token:
        try:
            user = user_from_token(token)
        except ApiError as exc:
            raise ConnectionRefusedError(exc.message, {"code": exc.code, "message": exc.message}) from None
    socket_admission.connected(request.environ, request.sid, user.username if user else None)
    config = current_app.config
    live_sockets.add(request.sid, live_sockets.SocketState(
        user.username if user else None, user.role if user else None,
        config["SOCKET_RATE_LIMIT"], config["SOCKET_RATE_BURST"]))


@event("register", registered=None)
def on_register(state, data):
    info = _load(_REGISTER, data)
    user_id, role = info["userId"], info["role"]
    if state.token_user is not None and (state.token_user, state.token_role) != (user_id, role):
        raise LiveError("identity_mismatch", "register must match the token given at connect.")
    if state.token_user is None and current_app.config["AUTH_REQUIRED"]:
        raise LiveError("auth_required", "Connect with a token (auth: {token}).")
    if state.user_id is not None and state.user_id != user_id:
        leave_room(room(state.user_id))
        _relay().unhost(state.user_id, request.sid)
    state.user_id, state.role, state.package = user_id, role, info["package"]
    state.forget_membership()
    join_room(room(user_id))
    _relay().host(user_id, request.sid)
    live_sweeper.ensure_running(current_app._get_current_object())
    presence.add_connection(request.sid, user_id, role, info["package"], live_sockets.WORKER)
    emit("registered", {"userId": user_id, "role": role, "package": info["package"]})
    rebound, expired = live_sessions.member_back(user_id, role)
    if expired is not None:
        announce_ended(expired.session_id, [expired.peer_id])
    if rebound is not None:
        resumed = {"sessionId": rebound.session_id, "userId": user_id}
        emit("session_resumed", resumed)
        socketio.emit("session_resumed", resumed, to=room(rebound.peer_id))
    current = live_sessions.membership(user_id, role)
    if current is not None:
        join_room(session_room(current.session_id))
    presence_updates.registered(request.sid, role, info["package"])


@event("start_session", registered="evaluator")
def on_start_session(state, data):
    client_id = _load(_START, data)["clientId"]
    try:
        _relay().check(client_id)
    except RelayUnavailable:
        raise LiveError("relay_unavailable", UNAVAILABLE) from None
    started = live_sessions.start_session(state.user_id, client_id, state.package)
    for old in started.replaced:
        announce_ended(old.session_id, [old.peer_id])
    session = started.session
    live_sockets.forget_memberships([state.user_id, client_id])
    seat(session.id, [(state.user_id, "evaluator"), (client_id, "client")])
    socketio.emit("session_started", {"sessionId": session.id, "evaluatorId": state.user_id,
                                      "evaluatorName": started.evaluator_name}, to=room(client_id))
    socketio.emit("session_started", {"sessionId": session.id, "clientId": client_id},
                  to=room(state.user_id))


def _member(state) -> Membership:
    member = current_member(request.sid, state, live_sessions.membership)
    if member is None:
        raise LiveError("no_session", "You are not in a live session.")
    return member


@event("image_update", registered="evaluator")
def on_image_update(state, data):
    member = _member(state)
    _load(_IMAGE, data)
    payload = {"imageIndex": data["imageIndex"], "imageUrl": data["imageUrl"]}
    if data.get("signedUrl"):
        payload["signedUrl"] = data["signedUrl"]
    sent_at = data.get("sentAt")
    payload["sentAt"] = sent_at if sent_at is not None else int(time.time() * 1000)
    _send(member.peer_id, "image_update", payload)


@event("image_ack", registered="client")
def on_image_ack(state, data):
    member = _member(state)
    _load(_ACK, data)
    _send(member.peer_id, "image_ack", {"sentAt": data["sentAt"], "receivedAt": data["receivedAt"]})


@event("end_session")
def on_end_session(state, data):
    member = state.membership(live_sessions.membership)
    if member is None:
        emit("session_ended", {})  # the origin always answers the sender
        return
    live_sessions.end_session(member.session_id)
    announce_ended(member.session_id, [member.peer_id, state.user_id])


def _relay_handler(app: Flask, user_relay: UserRelay) -> Callable:
    """``webrtc_signal``, the hot path, straight on the Socket.IO server (no Flask request
    context per message): relay ``{targetUserId, signal}`` as ``{fromUserId, signal}``, the
    signal untouched, only to the other member of the sender's session, in the order sent."""
    server = socketio.server

    def refuse(sid: str, code: str, message: str) -> None:
        server.emit("error", {"code": code, "message": message, "event": "webrtc_signal"}, to=sid)

    def lookup(user_id: str, role: str) -> Membership | None:
        with app.app_context():
            return live_sessions.membership(user_id, role)

    def relay(sid: str, data=None) -> None:
        state = _admitted(sid, "webrtc_signal", "any", refuse)
        if state is None:
            return
        target = data.get("targetUserId") if isinstance(data, dict) else None
        if not isinstance(target, str) or not is_safe_id(target) \
                or not isinstance(data.get("signal"), dict):
            return refuse(sid, "invalid_payload", "webrtc_signal needs {targetUserId, signal: object}.")
        member = current_member(sid, state, lookup)
        if member is None or member.peer_id != target:
            return refuse(sid, "not_session_peer", "Signals go only to the other member of your session.")
        user_relay.send(sid, target, "webrtc_signal", {"fromUserId": state.user_id, "signal": data["signal"]})
        metrics.count_relayed_signal()
    return relay


@handles("disconnect")
def on_disconnect(reason=None):
    """A disconnect the app asked for ends the member's session at once; a lost transport
    suspends it for the grace period (unless the member has another socket)."""
    state = live_sockets.pop(request.sid)
    if state is None or state.user_id is None:
        return
    _relay().unhost(state.user_id, request.sid)
    presence.remove_connection(request.sid)
    if reason == socketio.server.reason.CLIENT_DISCONNECT:
        gone = live_sessions.member_quit(state.user_id, state.role)
        if gone is not None:
            announce_ended(gone.session_id, [gone.peer_id])
    else:
        _suspend(state)
    presence_updates.left(request.sid)


def _suspend(state: live_sockets.SocketState) -> None:
    away = live_sessions.member_left(state.user_id, state.role)
    if away is not None:
        announce_suspended(away, state.user_id)
