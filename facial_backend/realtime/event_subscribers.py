"""The raw WebSocket subscribers of ``/ws/sessions/<sid>`` in this process.

Each ``Subscriber`` has a bounded queue drained by its own writer greenlet, so delivering an
event only queues it, and a subscriber that stops reading is dropped when its queue is full,
never waited for.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
from typing import Any

log = logging.getLogger(__name__)

SUBSCRIBER_QUEUE = 1000  # events waiting for one raw WebSocket client ...
SUBSCRIBER_BYTES = 8 * 1024 * 1024  # ... and their size (one larger event passes alone)
_STOP = object()


class Subscriber:
    """One raw WebSocket client: a bounded queue and the greenlet that writes it out.
    ``connection`` is the client's socket (to cut it without writing), when the server has one."""

    def __init__(self, ws: Any, session_id: str, connection: socket.socket | None,
                 maxsize: int = SUBSCRIBER_QUEUE):
        self.ws = ws
        self.session_id = session_id
        self.connection = connection
        self.queue: queue.Queue = queue.Queue(maxsize)
        self.queued_bytes = 0  # approximate: updated without a lock, only a bound
        self.dropped = False
        self._writer = threading.Thread(target=self._write_loop, daemon=True,
                                        name=f"ws-writer-{session_id}")

    def start(self) -> None:
        self._writer.start()

    def offer(self, text: str) -> bool:
        """Queue a frame; False (and the connection is cut) when the client is too far behind."""
        if self.queued_bytes and self.queued_bytes + len(text) > SUBSCRIBER_BYTES:
            self.abort()
            return False
        try:
            self.queue.put_nowait(text)
        except queue.Full:
            self.abort()
            return False
        self.queued_bytes += len(text)
        return True

    def stop(self) -> None:
        """End the writer after the frames already queued."""
        try:
            self.queue.put_nowait(_STOP)
        except queue.Full:
            self.abort()

    def abort(self) -> None:
        """Cut the connection without sending anything (the writer may be stuck in a send)."""
        if self.dropped:
            return
        self.dropped = True
        log.warning("dropping a WebSocket subscriber of %s that does not keep up", self.session_id)
        if self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def _write_loop(self) -> None:
        while not self.dropped:
            item = self.queue.get()
            if item is _STOP:
                return
            self.queued_bytes -= len(item)
            try:
                self.ws.send(item)
            except Exception:  # noqa: BLE001 - a closed or broken connection ends the writer
                self.abort()
                return


class Hub:
    """The raw WebSocket subscribers of this process, by session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscriber]] = {}

    def add(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.setdefault(subscriber.session_id, set()).add(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        with self._lock:
            members = self._subscribers.get(subscriber.session_id)
            if members is not None:
                members.discard(subscriber)
                if not members:
                    del self._subscribers[subscriber.session_id]

    def deliver(self, session_id: str, text: str) -> None:
        with self._lock:
            members = list(self._subscribers.get(session_id, ()))
        for subscriber in members:
            if not subscriber.offer(text):
                self.remove(subscriber)


hub = Hub()
