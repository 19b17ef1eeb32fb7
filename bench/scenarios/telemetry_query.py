"""Testbed telemetry queries with 1 million points stored: ``latest`` and a 1,000-point
channel query (p50/p99).

Reuses the session a ``telemetry_ingest`` run completed on the same service (named
``bench-telemetry-<n>``, description ``complete <n>``), or ingests the points itself first.
Then, one request at a time on a keep-alive connection, 500 of each (``--quick``: 100),
channels taken in turn: ``GET .../telemetry/latest?channel=chN``, ``GET
.../telemetry?channel=chN&limit=1000`` and, for information, the same bounded by a 10-second
window (``from``/``to``), without a channel, and ``/livez`` (what any route costs here).
Targets: ``latest`` p99 < 10 ms, the channel query p99 < 50 ms.
"""

from __future__ import annotations

import time

import requests

from bench import stats
from bench.scenarios._testbed import CHANNELS, EPOCH, TIMEOUT_S, create_session, database_kind, ingest

TOTAL = 1_000_000
QUICK_TOTAL = 50_000
REQUESTS = 500
QUICK_REQUESTS = 100
DEADLINE_S = 600.0
LATEST_P99_MS = 10.0
CHANNEL_P99_MS = 50.0


def _stored_session(http: requests.Session, base_url: str, total: int) -> str | None:
    response = http.get(f"{base_url}/api/sessions", timeout=TIMEOUT_S)
    response.raise_for_status()
    for session in response.json():
        if session["name"] == f"bench-telemetry-{total}" and session["description"] == f"complete {total}":
            return session["id"]
    return None


def _timed(http: requests.Session, url: str, count: int, expect) -> list[float]:
    latencies = []
    stop_at = time.monotonic() + 120
    for number in range(count):
        if time.monotonic() > stop_at:
            break
        started = time.monotonic()
        response = http.get(url(number), timeout=TIMEOUT_S)
        latencies.append(stats.ms(time.monotonic() - started))
        response.raise_for_status()
        expect(response.json())
    return latencies


def run(ctx) -> dict:
    total = QUICK_TOTAL if ctx.quick else TOTAL
    count = QUICK_REQUESTS if ctx.quick else REQUESTS
    http = requests.Session()
    session_id = _stored_session(http, ctx.base_url, total)
    notes = []
    if session_id is None:
        session_id = create_session(http, ctx.base_url, f"bench-telemetry-{total}")
        ctx.log(f"storing {total:,} points first")
        result = ingest(ctx.base_url, session_id, total, 4, DEADLINE_S)
        if not result["complete"]:
            raise RuntimeError(f"could not store the points: {result['errors'][:1]}")
        notes.append(f"stored {total:,} points first ({result['seconds']:.0f} s)")
    base = f"{ctx.base_url}/api/sessions/{session_id}/telemetry"
    window = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH + total // 2000))
    window_end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH + total // 2000 + 10))

    def channel(number: int) -> str:
        return f"ch{number % CHANNELS}"

    def full(body):
        assert len(body) == 1000, len(body)

    runs = {
        "latest": _timed(http, lambda n: f"{base}/latest?channel={channel(n)}", count,
                         lambda body: body["value"]),
        "channel, limit 1000": _timed(http, lambda n: f"{base}?channel={channel(n)}&limit=1000", count, full),
        "channel, 10 s window": _timed(
            http, lambda n: f"{base}?channel={channel(n)}&from={window}&to={window_end}", count,
            lambda body: len(body)),
        "all channels, limit 1000": _timed(http, lambda n: f"{base}?limit=1000", count, full),
        "GET /livez (floor of any route)": _timed(http, lambda n: f"{ctx.base_url}/livez", count,
                                                  lambda body: body),
    }
    rows = [{"query": name, **{k: v for k, v in stats.summary(values).items()}} for name, values in runs.items()]
    latest_p99 = stats.p99(runs["latest"])
    channel_p99 = stats.p99(runs["channel, limit 1000"])
    return {
        "database": database_kind(ctx),
        "points stored": total,
        "tables": {"latency (ms)": rows},
        "targets": [
            stats.target("latest p99 (ms)", latest_p99, f"< {LATEST_P99_MS:.0f}",
                         stats.below(latest_p99, LATEST_P99_MS)),
            stats.target("channel query p99 (ms)", channel_p99, f"< {CHANNEL_P99_MS:.0f}",
                         stats.below(channel_p99, CHANNEL_P99_MS)),
        ],
        "notes": notes,
    }
