"""Testbed live events: 100 raw WebSocket subscribers on one session, 200 notes created.

Delivery latency (from the start of each ``POST .../notes`` to the moment each subscriber has
the ``note.created`` frame) p50/p99, and the POST latency with no subscriber and with 100
(``--quick``: 20 subscribers, 50 notes). The subscribers are read by one thread through a
selector; notes are posted one at a time, each after every subscriber had the one before. Bounded: each phase
stops after 120 s. Targets: delivery p99 < 50 ms; POST p99 with subscribers <= 1.5 x without.
"""

from __future__ import annotations

import json
import selectors
import threading
import time

import requests
import websocket

from bench import stats
from bench.scenarios._testbed import TIMEOUT_S, create_session
from bench.websocket_frames import Frames

SUBSCRIBERS = 100
NOTES = 200
QUICK_SUBSCRIBERS = 20
QUICK_NOTES = 50
PHASE_S = 120.0
DELIVERY_P99_MS = 50.0
POST_RATIO_MAX = 1.5


class Subscribers:
    """Raw WebSocket clients of one session: websocket-client does the handshake, then one
    thread reads every socket through a selector and parses the frames itself (websocket-client
    reading 100 sockets would be the bottleneck, not the server). Receipt times by note."""

    def __init__(self, base_url: str, session_id: str, count: int):
        url = base_url.replace("http://", "ws://") + f"/ws/sessions/{session_id}"
        self.sockets = [websocket.create_connection(url, timeout=TIMEOUT_S) for _ in range(count)]
        for ws in self.sockets:
            assert json.loads(ws.recv())["event"] == "connected"
        self.received: dict[str, list[float]] = {}
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        selector = selectors.DefaultSelector()
        for ws in self.sockets:
            selector.register(ws.sock, selectors.EVENT_READ, Frames())
        while not self.stop.is_set():
            for key, _ in selector.select(timeout=0.1):
                data = key.fileobj.recv(1 << 16)
                now = time.monotonic()
                for opcode, payload in key.data.feed(data):
                    if opcode == 0x9:  # ping: a pong, masked with a zero key
                        key.fileobj.sendall(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
                    elif opcode == 0x1:
                        content = json.loads(payload)["data"]["content"]
                        with self.changed:
                            self.received.setdefault(content, []).append(now)
                            self.changed.notify_all()
        selector.close()

    def wait_for(self, content: str, count: int, timeout: float) -> list[float] | None:
        """The receipt times of a note once every subscriber has it; None after ``timeout``."""
        with self.changed:
            if self.changed.wait_for(lambda: len(self.received.get(content, ())) >= count, timeout):
                return list(self.received[content])
        return None

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for ws in self.sockets:
            ws.close(timeout=2)


def post_notes(http: requests.Session, base_url: str, session_id: str, count: int, label: str,
               subscribers: Subscribers | None) -> tuple[list[float], list[float]]:
    """POST latencies (ms) and, with subscribers, delivery latencies (ms) of every copy."""
    posts, deliveries = [], []
    stop_at = time.monotonic() + PHASE_S
    url = f"{base_url}/api/sessions/{session_id}/notes"
    for number in range(count):
        if time.monotonic() > stop_at:
            break
        content = f"{label}-{number}"
        started = time.monotonic()
        response = http.post(url, json={"timestamp": "2025-01-26T10:32:15Z", "content": content},
                             timeout=TIMEOUT_S)
        posts.append(stats.ms(time.monotonic() - started))
        response.raise_for_status()
        if subscribers is not None:
            times = subscribers.wait_for(content, len(subscribers.sockets), 10.0)
            if times is None:
                raise RuntimeError(f"note {content} did not reach every subscriber within 10 s")
            deliveries += [stats.ms(t - started) for t in times]
    return posts, deliveries


def run(ctx) -> dict:
    count = QUICK_SUBSCRIBERS if ctx.quick else SUBSCRIBERS
    notes = QUICK_NOTES if ctx.quick else NOTES
    http = requests.Session()
    session_id = create_session(http, ctx.base_url, "bench-event-fanout")
    post_notes(http, ctx.base_url, session_id, 10, "warmup", None)
    ctx.log(f"{notes} notes without subscribers")
    alone, _ = post_notes(http, ctx.base_url, session_id, notes, "alone", None)
    ctx.log(f"{notes} notes with {count} WebSocket subscribers")
    subscribers = Subscribers(ctx.base_url, session_id, count)
    try:
        crowded, deliveries = post_notes(http, ctx.base_url, session_id, notes, "crowd", subscribers)
    finally:
        subscribers.close()
    delivery_p99 = stats.p99(deliveries)
    post_ratio = stats.ratio(stats.p99(crowded), stats.p99(alone))
    rows = [{"measure": "POST, no subscriber", **stats.summary(alone)},
            {"measure": f"POST, {count} subscribers", **stats.summary(crowded)},
            {"measure": "delivery (POST start -> frame)", **stats.summary(deliveries)}]
    return {
        "subscribers": count, "notes created": notes,
        "tables": {"latency (ms)": rows},
        "targets": [
            stats.target("delivery p99 (ms)", delivery_p99, f"< {DELIVERY_P99_MS:.0f}",
                         stats.below(delivery_p99, DELIVERY_P99_MS)),
            stats.target("POST p99 with / without subscribers", post_ratio, f"<= {POST_RATIO_MAX}",
                         stats.at_most(post_ratio, POST_RATIO_MAX)),
        ],
    }
