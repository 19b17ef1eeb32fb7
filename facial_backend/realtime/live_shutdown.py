"""A process that shuts down retires its liveness before its sockets go: on SIGTERM (chained
before the server's own handler, which then drains and ends the sockets without running their
disconnect handlers) and at a normal exit, its heartbeat row is removed, so the next sweep of
any other process treats its sockets as lost transports at once.
"""

from __future__ import annotations

import atexit
import logging
import signal
from collections.abc import Callable

from flask import Flask

from facial_backend.extensions import socketio
from facial_backend.services.live import processes

log = logging.getLogger(__name__)


def on_shutdown(app: Flask, process_id: str, stop_beating: Callable[[], None]) -> None:
    """Retire ``process_id`` when the process is told to stop (SIGTERM) or exits."""
    def retire() -> None:
        stop_beating()
        try:
            with app.app_context():
                processes.retire(process_id)
        except Exception:  # noqa: BLE001 - the others then wait for the missed beats
            log.exception("retiring this process's heartbeat failed")

    atexit.register(retire)
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return  # no server handler to chain: the default ends the process, atexit does not run

    def on_term(signum, frame) -> None:
        stop_beating()
        socketio.start_background_task(retire)
        previous(signum, frame)
    try:
        signal.signal(signal.SIGTERM, on_term)
    except ValueError:
        log.warning("not on the main thread: a SIGTERM will not retire this process at once")
