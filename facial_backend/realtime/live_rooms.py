"""The Socket.IO rooms of live sessions: ``user:<id>`` holds every socket of a user, and
``live:<session id>`` the sockets of the session's members.

A session's room is entered through the message queue (REDIS_URL) before ``session_started``
is sent and closed before ``session_ended`` is, and the queue keeps one sender's messages in
order, so every process knows a session is over before the peers are told. A socket's messages
are relayed only while it sits in its session's room.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from facial_backend.extensions import socketio
from facial_backend.services.live import sessions as live_sessions
from facial_backend.services.live import sockets as live_sockets
from facial_backend.services.live.sessions import Membership

NAMESPACE = "/"


def room(user_id: str) -> str:
    return f"user:{user_id}"


def session_room(session_id: str) -> str:
    return f"live:{session_id}"


def seat(session_id: str, members: list[tuple[str, str]]) -> None:
    """Put every registered socket of the members ``(user_id, role)``, in whichever process,
    in the session's room."""
    server, queued = socketio.server, bool(current_app.config["REDIS_URL"])
    for user_id, role in members:
        for sid in live_sessions.connection_sids(user_id, role):
            if queued or server.manager.is_connected(sid, NAMESPACE):
                server.enter_room(sid, session_room(session_id))


def seated(sid: str, member: Membership) -> bool:
    participants = socketio.server.manager.get_participants(NAMESPACE, session_room(member.session_id))
    return any(participant == sid for participant, _ in participants)


def current_member(sid: str, state: live_sockets.SocketState,
                   lookup: Callable[[str, str], Membership | None]) -> Membership | None:
    """The socket's session, while the socket sits in the session's room."""
    member = state.membership(lookup)
    if member is not None and not seated(sid, member):
        state.forget_membership()
        return None
    return member


def announce_ended(session_id: str, user_ids: list[str]) -> None:
    """Close the session's room everywhere, then tell the users ``session_ended``."""
    socketio.close_room(session_room(session_id), namespace=NAMESPACE)
    live_sockets.forget_memberships(user_ids)
    for user_id in user_ids:
        socketio.emit("session_ended", {}, to=room(user_id))


def announce_suspended(away: Membership, user_id: str) -> None:
    """Tell the peer that ``user_id`` lost its transport and has the grace period to return."""
    socketio.emit("session_suspended", {"sessionId": away.session_id, "userId": user_id,
                                        "graceSeconds": current_app.config["SESSION_GRACE_SECONDS"]},
                  to=room(away.peer_id))
