"""Signaling relay across processes: server CPU per relayed signal, 1 process vs Redis, 2 and 3 processes.

The scenario starts its own redis-server (free loopback port, no persistence) and its own
gunicorn processes (``-w 1`` each, the runner's environment plus REDIS_URL, rate limit lifted),
then runs bench/reference_relay/loadgen.js with PAIRS pairs, WINDOW signals in flight per pair,
for DURATION_S s (``--quick``: 3 s) in each case:

- base: one process, no Redis;
- same: one process with Redis (a<i> and b<i> on it);
- split: two processes with Redis, every evaluator a<i> on the first, every client b<i> on the
  second;
- split+idle: as split, plus a third process with no socket.

CPU per relayed signal = (user + system CPU seconds of every gunicorn process of the case, and
of the redis-server in the Redis cases, between the loadgen's ``run`` and ``drain`` marks) /
(signals relayed in that window, each hop counting one). Also: msgs/s, RTT p99, lost, out of
order (per pair and direction, by sequence number).
Targets: same <= 1.2 x base, split <= 2.5 x base, split+idle - split <= 5 us, nothing lost,
order kept.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import time
from pathlib import Path

import redis

from bench import stats
from bench.procs import cpu_seconds, free_port, worker_pids
from bench.run import GunicornServer
from bench.scenarios.signaling_relay import RATE_ENV, ensure_node, relay_dir

PAIRS = 20
WINDOW = 4
DURATION_S = 10
SETUP_TIMEOUT_S = 30
DRAIN_S = 5
READY_TIMEOUT_S = 10
SAME_MAX, SPLIT_MAX, IDLE_MAX_US = 1.2, 2.5, 5.0
CASES = (("base", 1, False), ("same", 1, True), ("split", 2, True), ("split+idle", 3, True))


class OwnRedis:
    """redis-server on a free loopback port, for this scenario only (its CPU is ours alone)."""

    def __init__(self, log_path: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--logfile", str(log_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_timeout=2)
        deadline = time.monotonic() + READY_TIMEOUT_S
        try:
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self.proc.poll() is not None:
                        self.stop()
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def _loadgen(ctx, node: str, url_a: str, url_b: str, duration: float, pids: list[int]) -> dict:
    """One loadgen run; CPU seconds of ``pids`` taken at its run and drain marks."""
    cmd = [node, "loadgen.js", "--url", url_a, "--url-b", url_b, "--pairs", str(PAIRS),
           "--window", str(WINDOW), "--duration", str(duration), "--start-session",
           "--mark-phases", "--setup-timeout", str(SETUP_TIMEOUT_S), "--drain", str(DRAIN_S)]
    deadline = time.monotonic() + SETUP_TIMEOUT_S + duration + DRAIN_S + 30
    proc = subprocess.Popen(cmd, cwd=relay_dir(ctx), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    marks: dict[str, float] = {}
    result: dict = {}
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                continue
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("{"):
                item = json.loads(line)
                if "phase" in item:
                    marks[item["phase"]] = cpu_seconds(pids)
                else:
                    result = item
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)
    if not result:
        result = {"error": f"no result; stderr: {proc.stderr.read()[-400:]}"}
    proc.stderr.close()
    proc.stdout.close()
    signals = result.get("in_window")
    if "run" in marks and "drain" in marks and signals:
        result["cpu_us_per_signal"] = 1e6 * (marks["drain"] - marks["run"]) / signals
    return result


def _case(ctx, node: str, name: str, processes: int, redis_url: str | None, redis_pid: int | None,
          duration: float) -> dict:
    env = {**os.environ, **ctx.env, **RATE_ENV}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    servers = []
    try:
        for i in range(processes):
            server = GunicornServer(f"{name}-{i}", "wsgi:app", Path(getattr(ctx, "service_dir", ".")),
                                    env, Path(ctx.tmpdir) / f"relay-{name}-{i}.log", ctx.python)
            servers.append(server)
            server.start()
        pids = [pid for server in servers for pid in {server.pid, *worker_pids(server.pid)}]
        if redis_pid is not None:
            pids.append(redis_pid)
        url_b = servers[1].url if processes > 1 else servers[0].url
        ctx.log(f"relay_processes: {name}, {processes} process(es), {PAIRS} pairs, {duration} s")
        return _loadgen(ctx, node, servers[0].url, url_b, duration, pids)
    finally:
        for server in servers:
            server.stop()


def run(ctx) -> dict:
    duration = 3 if ctx.quick else DURATION_S
    node = ensure_node(ctx)
    if shutil.which("redis-server") is None:
        return {"notes": ["redis-server is not installed: nothing measured"]}
    own = OwnRedis(Path(ctx.tmpdir) / "relay-redis.log")
    results: dict[str, dict] = {}
    try:
        for name, processes, queued in CASES:
            results[name] = _case(ctx, node, name, processes, own.url if queued else None,
                                  own.proc.pid if queued else None, duration)
    finally:
        own.stop()

    base = results["base"].get("cpu_us_per_signal")
    rows = []
    for name, processes, queued in CASES:
        item = results[name]
        us = item.get("cpu_us_per_signal")
        rows.append({"case": name, "processes": processes, "redis": queued,
                     "cpu_us/signal": round(us, 1) if us else None,
                     "x base": round(us / base, 2) if us and base else None,
                     "msgs/s": item.get("msgs_per_s"), "rtt_p99_ms": item.get("rtt_p99_ms"),
                     "signals": item.get("in_window"), "lost": item.get("lost"),
                     "out_of_order": item.get("out_of_order"),
                     "error": (item.get("error") or "")[:120] or None})

    def ratio(name: str) -> float | None:
        us = results[name].get("cpu_us_per_signal")
        return us / base if us and base else None

    split, idle = (results[n].get("cpu_us_per_signal") for n in ("split", "split+idle"))
    extra = idle - split if split and idle else None
    lost = [results[n].get("lost") for n, _, _ in CASES]
    disorder = [results[n].get("out_of_order") for n, _, _ in CASES]
    lost_total = None if None in lost else sum(lost)
    disorder_total = None if None in disorder else sum(disorder)
    targets = [
        stats.target("same process with Redis, CPU/signal x base", ratio("same"), f"<= {SAME_MAX}",
                     stats.at_most(ratio("same"), SAME_MAX)),
        stats.target("split over 2 processes, CPU/signal x base", ratio("split"), f"<= {SPLIT_MAX}",
                     stats.at_most(ratio("split"), SPLIT_MAX)),
        stats.target("third idle process, extra us/signal", extra, f"<= {IDLE_MAX_US}",
                     stats.at_most(extra, IDLE_MAX_US)),
        stats.target("signals lost (all cases)", lost_total, "== 0", stats.at_most(lost_total, 0)),
        stats.target("signals out of order (all cases)", disorder_total, "== 0",
                     stats.at_most(disorder_total, 0)),
    ]
    return {
        "duration_s": duration, "pairs": PAIRS, "window": WINDOW,
        "tables": {"cpu per relayed signal": rows},
        "targets": targets,
        "notes": [f"host has {ctx.cpu_count} CPUs shared by the loadgen, the servers and redis-server; "
                  "CPU/signal counts every gunicorn process of the case (and redis-server with Redis) "
                  "between the loadgen's run/drain marks"],
        "details": results,
    }
