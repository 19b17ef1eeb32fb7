"""Grace periods end by the database, never by a timer of one process: every web process with
live sockets sweeps, a few times a second, the sessions whose away member's deadline has passed
(``left_at`` + SESSION_GRACE_SECONDS), whichever process saw the member leave, a crashed one
included, and tells the members still there. ``end_session`` lets only one sweeper end each.

The same loop beats this process's liveness every LIVE_HEARTBEAT_SECONDS and treats the sockets
of a process that stopped beating as lost transports (peers get ``session_suspended``); a
process that exits normally retires its heartbeat first, so the others sweep its sockets at once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Flask

from facial_backend.extensions import socketio
from facial_backend.realtime import presence_updates
from facial_backend.realtime.live_rooms import announce_ended, announce_suspended
from facial_backend.realtime.live_shutdown import on_shutdown
from facial_backend.services.live import processes
from facial_backend.services.live import sessions as live_sessions
from facial_backend.services.live.sockets import WORKER

log = logging.getLogger(__name__)

SWEEP_MAX_SECONDS = 1.0
_EXTENSION = "live_sweeper"


@dataclass
class _Heartbeat:
    """Whether this process still beats: it stops for good once it is shutting down."""

    beating: bool = True

    def stop(self) -> None:
        self.beating = False


def ensure_running(app: Flask) -> None:
    """Beat once, then start the app's sweeper greenlet, once."""
    if app.extensions.get(_EXTENSION):
        return
    heartbeat = app.extensions[_EXTENSION] = _Heartbeat()
    with app.app_context():
        processes.beat(WORKER)
    on_shutdown(app, WORKER, heartbeat.stop)
    config = app.config
    interval = min(SWEEP_MAX_SECONDS, config["SESSION_GRACE_SECONDS"] / 4,
                   config["LIVE_HEARTBEAT_SECONDS"])
    socketio.start_background_task(_sweep_forever, app, interval, heartbeat)


def _sweep_forever(app: Flask, interval: float, heartbeat: _Heartbeat) -> None:
    every = app.config["LIVE_HEARTBEAT_SECONDS"]
    next_beat = time.monotonic() + every
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                if heartbeat.beating and time.monotonic() >= next_beat:
                    processes.beat(WORKER)
                    next_beat = time.monotonic() + every
                _sweep_dead_processes()
                for session_id, user_ids in live_sessions.expire_overdue():
                    announce_ended(session_id, user_ids)
        except Exception:  # noqa: BLE001 - the next sweep tries again
            log.exception("sweeping live sessions failed")


def _sweep_dead_processes() -> None:
    lost = processes.sweep_dead(WORKER)
    for socket in lost:
        if socket.away is not None:
            announce_suspended(socket.away, socket.user_id)
    if any(socket.role == "client" for socket in lost):
        presence_updates.clients_lost()

