"""``clients_updated {clients}`` goes only to the evaluators of the package whose clients changed
(the Socket.IO room ``presence:<package>``, in every process through the message queue), with
that package's online clients, and at most once per PRESENCE_UPDATE_INTERVAL per package and
process: changes in between are coalesced into one update, the list read from the database
when it is sent, so the last update carries the final state.

Bound: an evaluator receives at most (processes / PRESENCE_UPDATE_INTERVAL) updates a second,
each ``{"clients":[...]}`` of its package's online clients only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from flask import Flask, current_app
from flask_socketio import join_room, leave_room

from facial_backend.constants.live import PACKAGES
from facial_backend.extensions import socketio
from facial_backend.services.live import presence

log = logging.getLogger(__name__)
_EXTENSION = "presence_updates"


def room(package: str) -> str:
    return f"presence:{package}"


def registered(sid: str, role: str, package: str) -> None:
    """A socket (this request's) registered as ``role`` of ``package``: an evaluator listens to
    the package's updates; a client's arrival is announced, as is a change of its package."""
    updates = _updates()
    before = updates.sockets.get(sid)
    updates.sockets[sid] = (role, package)
    if before is not None and before[0] == "evaluator" and before[1] != package:
        leave_room(room(before[1]))
    if before is not None and before[0] == "client" and before != (role, package):
        updates.changed(before[1])
    if role == "evaluator":
        join_room(room(package))
    else:
        updates.changed(package)


def left(sid: str) -> None:
    """A registered socket disconnected: a client's departure is announced."""
    updates = _updates()
    role, package = updates.sockets.pop(sid, (None, None))
    if role == "client":
        updates.changed(package)


def clients_lost(packages: Iterable[str] = PACKAGES) -> None:
    """Clients of other processes were dropped (their packages unknown: all by default)."""
    updates = _updates()
    for package in packages:
        updates.changed(package)


def _updates() -> _Updates:
    app = current_app._get_current_object()
    updates = app.extensions.get(_EXTENSION)
    if updates is None:
        updates = app.extensions[_EXTENSION] = _Updates(app)
    return updates


class _Updates:
    """This process's pending updates: one sender greenlet per package with a change waiting."""

    def __init__(self, app: Flask):
        self.app = app
        self.interval = app.config["PRESENCE_UPDATE_INTERVAL"]
        self.sockets: dict[str, tuple[str, str]] = {}  # sid -> (role, package), registered here
        self.waiting: set[str] = set()
        self.sent_at: dict[str, float] = {}

    def changed(self, package: str) -> None:
        if package in self.waiting:
            return  # the update on its way reads the list after this change
        self.waiting.add(package)
        delay = max(0.0, self.sent_at.get(package, float("-inf")) + self.interval - time.monotonic())
        socketio.start_background_task(self._send, package, delay)

    def _send(self, package: str, delay: float) -> None:
        socketio.sleep(delay)
        # A change from here on waits for the next update: this one may read before it.
        self.waiting.discard(package)
        self.sent_at[package] = time.monotonic()
        try:
            with self.app.app_context():
                clients = presence.online_client_ids(package)
            socketio.emit("clients_updated", {"clients": clients}, to=room(package))
        except Exception:  # noqa: BLE001 - the next change sends the list again
            log.exception("sending clients_updated for %s failed", package)
