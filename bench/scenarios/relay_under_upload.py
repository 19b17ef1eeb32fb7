"""Signaling relay RTT at 10 pairs while 4 clients post 5 MiB audio segments.

The Node load generator of ``signaling_relay`` (bench/reference_relay/loadgen.js, websocket
transport, ``start_session`` first) ping-pongs 1 KiB ``webrtc_signal`` messages between 10
pairs for 10 s, once alone (baseline) and once while 4 threads post 5 MiB segments
(6.7 MiB of JSON) back to back (``--quick``: 3 s, 2 MiB). The Node POC's p99 rose from
1.6 ms to ~300 ms under such uploads. Target: RTT p99 under upload < 25 ms.
"""

from __future__ import annotations

import threading
import time

from bench.scenarios.segment_post import MIB, Bodies, post_all
from bench.scenarios.signaling_relay import (
    _lift_rate_limit,
    _restore_rate_limit,
    ensure_node,
    run_loadgen,
)

PAIRS = 10
UPLOADERS = 4
P99_MAX_MS = 25.0
MAX_SEGMENTS = 2000


def _uploads(ctx, bodies: Bodies, stop: threading.Event, deadline: float, out: dict) -> None:
    """Post segments 4 at once until told to stop (bounded in count and time)."""
    done = 0
    latencies, errors = [], []
    batch = [(i, bodies.body(i)) for i in range(UPLOADERS)]  # encoded once: the client stays light
    while not stop.is_set() and time.monotonic() < deadline and done < MAX_SEGMENTS:
        result = post_all(ctx.base_url, batch, UPLOADERS, deadline)
        latencies += result["latencies"]
        errors += result["errors"]
        done += len(batch)
    out.update(segments=len(latencies), errors=errors[:10], latencies=latencies)


def _row(name: str, result: dict, uploads: dict | None) -> dict:
    return {"run": name, "msgs/s": result.get("msgs_per_s"), "rtt_p50_ms": result.get("rtt_p50_ms"),
            "rtt_p99_ms": result.get("rtt_p99_ms"), "rtt_max_ms": result.get("rtt_max_ms"),
            "lost": result.get("lost"), "segments_posted": uploads["segments"] if uploads else None,
            "server_cpu%": result.get("server_cpu_pct"), "error": result.get("error")}


def run(ctx) -> dict:
    duration, audio_bytes = (3, 2 * MIB) if ctx.quick else (10, 5 * MIB)
    node = ensure_node(ctx)
    rate_note = _lift_rate_limit(ctx)
    bodies = Bodies(audio_bytes, f"sess_relayload{int(time.time())}")
    try:
        pids = ctx.service_worker_pids()
        ctx.log(f"relay alone, {PAIRS} pairs, {duration} s")
        alone = run_loadgen(ctx, node, ctx.base_url, PAIRS, duration, True, pids)
        stop, uploads = threading.Event(), {}
        uploader = threading.Thread(target=_uploads, daemon=True, args=(
            ctx, bodies, stop, time.monotonic() + duration + 120, uploads))
        ctx.log(f"relay with {UPLOADERS} uploaders, {PAIRS} pairs, {duration} s")
        uploader.start()
        loaded = run_loadgen(ctx, node, ctx.base_url, PAIRS, duration, True, pids)
        stop.set()
        uploader.join(timeout=120)
    finally:
        _restore_rate_limit(ctx)
    p99 = loaded.get("rtt_p99_ms")
    ok = p99 is not None and p99 < P99_MAX_MS and not loaded.get("lost") and not uploads.get("errors")
    return {
        "pairs": PAIRS,
        "audio_bytes": audio_bytes,
        "tables": {"relay": [_row("alone", alone, None), _row("under upload", loaded, uploads)]},
        "targets": [{"target": "RTT p99 under upload (ms)", "value": p99,
                     "goal": f"< {P99_MAX_MS:.0f}", "result": "PASS" if ok else "FAIL"}],
        "notes": [rate_note, f"upload errors: {uploads.get('errors') or 'none'}"],
        "details": {"alone": alone, "loaded": loaded},
    }
