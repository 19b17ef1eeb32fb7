"""Grace periods end by the database, never by a timer of one process: every web process with
live sockets sweeps, a few times a second, the sessions whose away member's deadline has passed
(``left_at`` + SESSION_GRACE_SECONDS), whichever process saw the member leave, a crashed one
included, and tells the members still there. ``end_session`` lets only one sweeper end each."""

from __future__ import annotations

import logging

from flask import Flask

from facial_backend.extensions import socketio
from facial_backend.realtime.live_rooms import announce_ended
from facial_backend.services.live import sessions as live_sessions

log = logging.getLogger(__name__)

SWEEP_MAX_SECONDS = 1.0
_EXTENSION = "live_sweeper"


def ensure_running(app: Flask) -> None:
    """Start the app's sweeper greenlet, once."""
    if app.extensions.get(_EXTENSION):
        return
    app.extensions[_EXTENSION] = True
    interval = min(SWEEP_MAX_SECONDS, app.config["SESSION_GRACE_SECONDS"] / 4)
    socketio.start_background_task(_sweep_forever, app, interval)


def _sweep_forever(app: Flask, interval: float) -> None:
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                for session_id, user_ids in live_sessions.expire_overdue():
                    announce_ended(session_id, user_ids)
        except Exception:  # noqa: BLE001 - the next sweep tries again
            log.exception("sweeping overdue live sessions failed")
