"""Audio segment POSTs as the client app sends them.

``POST /api/session/segment`` with JSON ``{sessionId, evaluatorId, clientId, imageIndex,
signedUrl, audioBase64}``, 5 MiB of audio (6.7 MiB of JSON): 20 requests one at a time and
20 with 4 at once (requests/s, latency p50/p99, server RSS), then 1,000 segments 4 at once
to show whether memory stays flat (``--quick``: 2 MiB audio, 8 requests, 100 segments).
Every stored audio file of the timed runs is read back and compared byte for byte (through
``GET /api/session/segments/<id>/audio`` as evaluator1, or on disk when that fails).
Targets: at least the Node POC's 30.6 req/s (C=1) and 26.1 req/s (C=4), p99 < 250 ms at
C=4, worker RSS growth < 64 MiB over the 1,000 segments.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import subprocess
import threading
import time
from pathlib import Path

import requests

from bench import stats

MIB = stats.MIB
TIMEOUT_S = 60.0
POOL_SEED = 20261122
NODE_REQS_C1, NODE_REQS_C4, P99_MAX_MS, RSS_GROWTH_MAX_MIB = 30.6, 26.1, 250.0, 64.0
SEED_TIMEOUT_S = 120.0


class Bodies:
    """Distinct audio per segment: windows into one seeded random pool, encoded once."""

    def __init__(self, audio_bytes: int, session_id: str):
        self.audio_bytes = audio_bytes
        self.session_id = session_id
        self.pool = random.Random(POOL_SEED).randbytes(audio_bytes + 64 * 4096)

    def audio(self, index: int) -> bytes:
        offset = (index * 7919 % 64) * 4096
        return self.pool[offset:offset + self.audio_bytes]

    def body(self, index: int) -> bytes:
        return json.dumps({
            "sessionId": self.session_id, "evaluatorId": "evaluator1", "clientId": "client1",
            "imageIndex": index, "signedUrl": f"https://picsum.photos/seed/img{index}/800/600",
            "audioBase64": base64.b64encode(self.audio(index)).decode()}).encode()


def post_all(base_url: str, bodies: list[tuple[int, bytes]], concurrency: int,
             deadline: float) -> dict:
    """POST the bodies with ``concurrency`` threads; latency per request, ids by index."""
    latencies, ids, errors = [], {}, []
    lock = threading.Lock()
    work = list(bodies)

    def worker() -> None:
        with requests.Session() as http:
            while time.monotonic() < deadline:
                with lock:
                    if not work:
                        return
                    index, body = work.pop(0)
                t0 = time.perf_counter()
                try:
                    response = http.post(f"{base_url}/api/session/segment", data=body,
                                         headers={"Content-Type": "application/json"},
                                         timeout=TIMEOUT_S)
                except requests.RequestException as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - t0
                with lock:
                    if response.status_code == 200:
                        latencies.append(elapsed)
                        ids[index] = response.json()["segmentId"]
                    else:
                        errors.append(f"{response.status_code} {response.text[:120]}")

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic() + TIMEOUT_S))
    wall = time.perf_counter() - t0
    return {"latencies": latencies, "ids": ids, "errors": errors, "wall_s": wall,
            "req_s": len(latencies) / wall if wall > 0 else None}


def evaluator_token(ctx) -> str | None:
    """A token of evaluator1 (the demo users are created when the runner owns the service)."""
    def login() -> str | None:
        response = requests.post(f"{ctx.base_url}/api/auth/login",
                                 json={"userId": "evaluator1", "password": "eval1"}, timeout=30)
        return response.json().get("token") if response.status_code == 200 else None
    token = login()
    if token is None and ctx.owns_service:
        subprocess.run([ctx.python, "-m", "flask", "--app", "wsgi", "users", "seed-demo"],
                       cwd=Path(ctx.bench_dir).parent, env=ctx.env, capture_output=True,
                       timeout=SEED_TIMEOUT_S, check=False)
        token = login()
    return token


def verify(ctx, bodies: Bodies, ids: dict[int, str], token: str | None) -> tuple[int, int, str]:
    """(matching, checked, how): every stored audio file against what was sent."""
    good, how = 0, "http" if token else "disk"
    for index, segment_id in ids.items():
        expected = hashlib.sha256(bodies.audio(index)).hexdigest()
        if token:
            response = requests.get(f"{ctx.base_url}/api/session/segments/{segment_id}/audio",
                                    headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_S)
            stored = response.content if response.status_code == 200 else b""
        elif ctx.local_storage and ctx.data_dir:
            path = Path(ctx.data_dir) / "recordings" / bodies.session_id / f"client1_{index}.m4a"
            stored = path.read_bytes() if path.exists() else b""
        else:
            return 0, len(ids), "not verifiable (no token, storage not local)"
        good += hashlib.sha256(stored).hexdigest() == expected
    return good, len(ids), how


def _row(name: str, result: dict, rss_peak) -> dict:
    return {"run": name, "requests": len(result["latencies"]), "req/s": result["req_s"],
            "p50_ms": stats.ms(stats.p50(result["latencies"])),
            "p99_ms": stats.ms(stats.p99(result["latencies"])),
            "rss_peak_MiB": rss_peak, "errors": len(result["errors"])}


def memory_run(ctx, bodies: Bodies, count: int, deadline: float) -> dict:
    """``count`` segments 4 at once (indexes reused in blocks of 100); RSS after each block."""
    samples = []
    block = [(1000 + i, bodies.body(1000 + i)) for i in range(100)]
    for _ in range(count // 100):
        if time.monotonic() > deadline:
            break
        result = post_all(ctx.base_url, block, 4, deadline)
        samples.append({"segments": (len(samples) + 1) * 100, "rss_MiB": ctx.rss_mib(),
                        "req_s": result["req_s"], "errors": len(result["errors"])})
    return {"samples": samples}


def run(ctx) -> dict:
    audio_bytes, requests_n, memory_n = (2 * MIB, 8, 100) if ctx.quick else (5 * MIB, 20, 1000)
    bodies = Bodies(audio_bytes, f"sess_bench{int(time.time())}")
    token = evaluator_token(ctx)
    rows, runs, ids = [], {}, {}
    for name, concurrency, offset in (("C=1", 1, 0), ("C=4", 4, requests_n)):
        batch = [(offset + i, bodies.body(offset + i)) for i in range(requests_n)]
        ctx.reset_rss_peak()
        ctx.log(f"segment_post {name}: {requests_n} x {audio_bytes // MIB} MiB audio")
        runs[name] = post_all(ctx.base_url, batch, concurrency, time.monotonic() + 300)
        rows.append(_row(name, runs[name], ctx.rss_peak_mib()))
        ids.update(runs[name]["ids"])
    good, checked, how = verify(ctx, bodies, ids, token)
    ctx.log(f"segment_post memory: {memory_n} segments, 4 at once")
    rss_start = ctx.rss_mib()
    memory = memory_run(ctx, bodies, memory_n, time.monotonic() + 900)
    samples = memory["samples"]
    growth = samples[-1]["rss_MiB"] - samples[0]["rss_MiB"] if len(samples) > 1 else None
    c1, c4 = runs["C=1"], runs["C=4"]
    p99_c4 = stats.ms(stats.p99(c4["latencies"]))
    targets = [
        stats.target("req/s C=1 (Node POC 30.6)", c1["req_s"], f">= {NODE_REQS_C1}",
                     bool(c1["req_s"]) and c1["req_s"] >= NODE_REQS_C1 and not c1["errors"]),
        stats.target("req/s C=4 (Node POC 26.1)", c4["req_s"], f">= {NODE_REQS_C4}",
                     bool(c4["req_s"]) and c4["req_s"] >= NODE_REQS_C4 and not c4["errors"]),
        stats.target("p99 C=4 (ms)", p99_c4, f"< {P99_MAX_MS:.0f}", p99_c4 is not None and p99_c4 < P99_MAX_MS),
        stats.target(f"stored audio identical ({how})", f"{good}/{checked}", "all",
                     checked > 0 and good == checked),
        stats.target(f"RSS growth over {len(samples) * 100} segments (MiB)", growth,
                     f"< {RSS_GROWTH_MAX_MIB:.0f}", growth is not None and growth < RSS_GROWTH_MAX_MIB
                     and not any(s["errors"] for s in samples)),
    ]
    return {
        "audio_bytes": audio_bytes,
        "json_bytes": len(bodies.body(0)),
        "rss_before_memory_run_MiB": rss_start,
        "tables": {"requests": rows, "memory": samples},
        "targets": targets,
        "notes": ["one gunicorn gevent worker; the client threads share the host's CPUs"],
        "details": {name: {"errors": r["errors"][:10], "wall_s": r["wall_s"]} for name, r in runs.items()},
    }
