"""How an idle worker waits for the next job: ``LISTEN stt_jobs`` on PostgreSQL (``enqueue``
sends ``NOTIFY`` when its transaction commits), so a new job starts at once; elsewhere, and
as a fallback, the poll interval alone."""

from __future__ import annotations

import logging
import threading
from time import monotonic

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

CHANNEL = "stt_jobs"


def notify_new_job(session) -> None:
    """Queue a NOTIFY in the session's transaction (PostgreSQL delivers it on commit)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


class Wakeup:
    """``wait(timeout)`` returns when a job was enqueued, ``stopping`` is set, or at timeout."""

    def __init__(self, engine: Engine, stopping: threading.Event):
        self.stopping = stopping
        self.connection = None
        if engine.dialect.name == "postgresql":
            import psycopg
            url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.connection = psycopg.connect(url, autocommit=True)
            self.connection.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> None:
        if self.connection is None:
            self.stopping.wait(timeout)
            return
        deadline = monotonic() + timeout
        try:
            while not self.stopping.is_set() and (left := deadline - monotonic()) > 0:
                # Slices of at most a second, so a stop request is seen soon.
                if list(self.connection.notifies(timeout=min(left, 1.0), stop_after=1)):
                    return
        except Exception:  # a lost connection only costs the fast wake-up
            log.exception("stt: LISTEN connection lost; polling only")
            self.close()
            self.stopping.wait(timeout)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
