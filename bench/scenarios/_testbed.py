"""Helpers of the testbed scenarios (telemetry_ingest, telemetry_query, event_fanout)."""

from __future__ import annotations

import json
import threading
import time

import requests

TIMEOUT_S = 60.0
CHANNELS = 10
BATCH = 1000
EPOCH = 1_737_885_600  # 2025-01-26T10:00:00Z


def database_kind(ctx) -> str:
    url = ctx.env.get("DATABASE_URL", "")
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def create_session(http: requests.Session, base_url: str, name: str) -> str:
    response = http.post(f"{base_url}/api/sessions", json={"name": name}, timeout=TIMEOUT_S)
    response.raise_for_status()
    return response.json()["id"]


def batch_body(first: int, count: int) -> bytes:
    """Points ``first`` .. ``first+count-1``: one a millisecond, channels taken in turn."""
    points = []
    for number in range(first, first + count):
        seconds, millis = divmod(number, 1000)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(EPOCH + seconds))
        points.append({"timestamp": f"{stamp}.{millis:03d}Z", "channel": f"ch{number % CHANNELS}",
                       "value": number * 0.001, "unit": "V"})
    return json.dumps({"data": points}).encode()


def ingest(base_url: str, session_id: str, total: int, threads: int, deadline_s: float) -> dict:
    """POST ``total`` points in batches of BATCH from ``threads`` threads; stops at the deadline."""
    batches = list(range(0, total, BATCH))
    lock = threading.Lock()
    latencies: list[float] = []
    stored = [0]
    errors: list[str] = []
    stop_at = time.monotonic() + deadline_s

    def work():
        http = requests.Session()
        url = f"{base_url}/api/sessions/{session_id}/telemetry/batch"
        while time.monotonic() < stop_at and not errors:
            with lock:
                if not batches:
                    return
                first = batches.pop(0)
            body = batch_body(first, min(BATCH, total - first))
            started = time.monotonic()
            response = http.post(url, data=body, headers={"Content-Type": "application/json"},
                                 timeout=TIMEOUT_S)
            elapsed = time.monotonic() - started
            with lock:
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {response.text[:200]}")
                    return
                latencies.append(elapsed)
                stored[0] += response.json()["created"]

    started = time.monotonic()
    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=deadline_s + TIMEOUT_S)
    return {"stored": stored[0], "seconds": time.monotonic() - started, "latencies": latencies,
            "errors": errors, "complete": stored[0] == total}
