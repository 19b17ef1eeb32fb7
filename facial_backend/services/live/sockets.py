"""Per-process state of this process's Socket.IO connections: who registered on which socket,
the per-socket rate limit (a token bucket) and a short-lived cache of the socket's session
membership, so the signaling relay does not ask the database for every message (only a
membership is kept: a socket without one asks again, so a session that just started counts).

Everything shared between processes lives in the database (``services.presence``,
``services.live_sessions``); this module only holds what one socket needs locally.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from facial_backend.services.live.sessions import Membership

MEMBERSHIP_CACHE_SECONDS = 1.0
# This process's id in the database, random per start so a reused pid is never taken for it.
WORKER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@dataclass
class SocketState:
    """One connection; ``token_user``/``token_role`` come from the token given at connect."""

    token_user: str | None
    token_role: str | None
    rate: float
    burst: float
    user_id: str | None = None
    role: str | None = None
    package: str | None = None
    tokens: float = 0.0
    stamp: float = field(default_factory=time.monotonic)
    throttled_at: float = float("-inf")
    member: Membership | None = None
    member_until: float = float("-inf")

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def forget_membership(self) -> None:
        self.member, self.member_until = None, float("-inf")

    def take(self) -> bool:
        """Spend one message of the token bucket; False when the socket is over its limit."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def should_warn(self) -> bool:
        """At most one rate-limit error event per second."""
        now = time.monotonic()
        if now - self.throttled_at < 1:
            return False
        self.throttled_at = now
        return True

    def membership(self, lookup: Callable[[str, str], Membership | None]) -> Membership | None:
        now = time.monotonic()
        if self.member is None or now >= self.member_until:
            self.member = lookup(self.user_id, self.role)
            self.member_until = now + MEMBERSHIP_CACHE_SECONDS
        return self.member


_sockets: dict[str, SocketState] = {}


def add(sid: str, state: SocketState) -> None:
    _sockets[sid] = state


def get(sid: str) -> SocketState | None:
    return _sockets.get(sid)


def pop(sid: str) -> SocketState | None:
    return _sockets.pop(sid, None)


def forget_memberships(user_ids: Iterable[str]) -> None:
    """Drop the cached membership of these users' sockets (their session started or ended)."""
    users = set(user_ids)
    for state in _sockets.values():
        if state.user_id in users:
            state.forget_membership()
