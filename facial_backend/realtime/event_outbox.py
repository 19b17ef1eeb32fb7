"""Live events between processes through the database (when there is no Redis).

``publish`` queues each event for this process's outbox writer, which writes it to the
``live_event_outbox`` table in a transaction of its own (never the caller's: an STT worker
publishes while its own transaction holds SQLite's write lock, so a synchronous write would wait
on itself); what is still queued when the process exits is written first.

Every web process that has subscribers follows the table: a follower greenlet reads the rows
newer than the last it saw, in id order, a few times a second, and delivers those raised by
other processes (its own were delivered when published, so each arrives once). Ids are
committed in the order they are drawn: PostgreSQL writers take one advisory lock for the
insert, SQLite has a single writer anyway. Rows older than ``KEEP`` are purged by the followers.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa

from facial_backend.models.live_events import LiveEventOutbox
from facial_backend.timeutil import utcnow

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
BATCH = 500
KEEP = timedelta(minutes=10)
PURGE_EVERY_SECONDS = 60.0
WRITE_ATTEMPTS = 5
FLUSH_AT_EXIT_SECONDS = 10.0
ADVISORY_LOCK = 0x6C697665_6F7574  # any constant shared by every writer of the table

_TABLE = LiveEventOutbox.__table__
_NEWER = (sa.select(_TABLE.c.id, _TABLE.c.session_id, _TABLE.c.event, _TABLE.c.text)
          .where(_TABLE.c.id > sa.bindparam("last")).order_by(_TABLE.c.id).limit(BATCH))


class OutboxRelay:
    """One database's outbox in this process. ``deliver(session_id, event, text)`` hands an
    event raised elsewhere to this process's subscribers."""

    def __init__(self, url: str, deliver: Callable[[str, str, str], None]):
        options = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {"pool_pre_ping": True}
        self.engine = sa.create_engine(url, **options)
        self.deliver = deliver
        self._lock = threading.Lock()  # a write and the follower's start, never interleaved
        self._mine: set[int] = set()  # published here after the follower started, not yet seen
        self._last = 0
        self._follower: threading.Thread | None = None
        self._wake = threading.Event()
        self._pending: queue.Queue = queue.Queue()
        self._unwritten = 0
        self._written = threading.Condition()
        self._writer: threading.Thread | None = None

    def publish(self, session_id: str, event: str, text: str) -> None:
        """Queue the event for the outbox writer, in the order of the calls."""
        with self._written:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, daemon=True,
                                                name="events-outbox-writer")
                self._writer.start()
            self._unwritten += 1
        self._pending.put((session_id, event, text))

    def flush(self, timeout: float) -> bool:
        """Wait until every queued event is written (or given up); False on timeout."""
        with self._written:
            return self._written.wait_for(lambda: self._unwritten == 0, timeout)

    def _write_loop(self) -> None:
        while True:
            session_id, event, text = self._pending.get()
            for attempt in range(1, WRITE_ATTEMPTS + 1):
                try:
                    self._write(session_id, event, text)
                    break
                except sa.exc.SQLAlchemyError:
                    log.exception("writing %s of session %s to the event outbox failed (attempt %d)",
                                  event, session_id, attempt)
            with self._written:
                self._unwritten -= 1
                self._written.notify_all()

    def _write(self, session_id: str, event: str, text: str) -> None:
        with self._lock, self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
            event_id = connection.execute(
                sa.insert(_TABLE).values(session_id=session_id, event=event, text=text,
                                         created_at=utcnow()).returning(_TABLE.c.id)).scalar_one()
            if self._follower is not None:
                self._mine.add(event_id)

    def follow(self) -> None:
        """Start following once: events committed from now on reach this process."""
        with self._lock:
            if self._follower is not None:
                return
            with self.engine.connect() as connection:
                self._last = connection.scalar(sa.select(sa.func.max(_TABLE.c.id))) or 0
            self._follower = threading.Thread(target=self._follow_loop, daemon=True,
                                              name="events-outbox-follower")
            self._follower.start()

    def _follow_loop(self) -> None:
        purged_at = time.monotonic()
        while True:
            self._wake.wait(POLL_SECONDS)
            try:
                self._read_new()
                if time.monotonic() - purged_at > PURGE_EVERY_SECONDS:
                    purged_at = time.monotonic()
                    self._purge()
            except sa.exc.SQLAlchemyError:
                log.exception("reading the event outbox failed; retrying")

    def _read_new(self) -> None:
        with self.engine.connect() as connection:
            rows = connection.execute(_NEWER, {"last": self._last}).all()
        for event_id, session_id, event, text in rows:
            self._last = event_id
            with self._lock:
                if event_id in self._mine:
                    self._mine.discard(event_id)
                    continue
            self.deliver(session_id, event, text)

    def _purge(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.delete(_TABLE).where(_TABLE.c.created_at < utcnow() - KEEP))


_relays: dict[tuple[int, str], OutboxRelay] = {}
_relays_lock = threading.Lock()


def relay_for(url: str, deliver: Callable[[str, str, str], None]) -> OutboxRelay:
    """This process's outbox relay for a database URL (a forked process makes its own)."""
    key = (os.getpid(), url)
    with _relays_lock:
        relay = _relays.get(key)
        if relay is None:
            relay = _relays[key] = OutboxRelay(url, deliver)
            atexit.register(relay.flush, FLUSH_AT_EXIT_SECONDS)
        return relay
