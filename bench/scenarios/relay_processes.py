"""Signaling relay across processes: server CPU per relayed signal, 1 process vs Redis, 2 and 3 processes.

The scenario starts its own redis-server (free loopback port, no persistence) and its own
gunicorn processes (``-w 1`` each, the runner's environment plus REDIS_URL, rate limit lifted),
then runs bench/reference_relay/loadgen.js with PAIRS pairs, WINDOW signals in flight per pair,
for DURATION_S s (``--quick``: 3 s) in each case, ROUNDS times interleaved, every other round
in reverse order (``--quick``: once), the median reported:

- base: one process, no Redis;
- same: one process with Redis (a<i> and b<i> on it);
- split: two processes with Redis, every evaluator a<i> on the first, every client b<i> on the
  second;
- split+idle: as split, plus a third process with no socket.

CPU per relayed signal = (user + system CPU seconds of every gunicorn process of the case, and
of the redis-server in the Redis cases, between the loadgen's ``run`` and ``drain`` marks) /
(signals relayed in that window, each hop counting one). Also: msgs/s, RTT p99, lost, out of
order (per pair and direction, by sequence number).
What the idle process adds is its own CPU over the same window per signal, measured on it
directly (split+idle minus split, two runs on a shared host, is noisier than the 5 us asked).
Targets: same <= 1.2 x base, split <= 2.5 x base, idle process <= 5 us/signal, nothing lost,
order kept.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import statistics
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
ROUNDS = 3  # each case, interleaved with the others; the median is reported
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


def _loadgen(ctx, node: str, url_a: str, url_b: str, duration: float,
             groups: dict[str, list[int]]) -> dict:
    """One loadgen run; CPU seconds of each group of pids taken at its run and drain marks, as
    ``cpu_us_per_signal`` (group "all") and ``<group>_cpu_us_per_signal``."""
    cmd = [node, "loadgen.js", "--url", url_a, "--url-b", url_b, "--pairs", str(PAIRS),
           "--window", str(WINDOW), "--duration", str(duration), "--start-session",
           "--mark-phases", "--setup-timeout", str(SETUP_TIMEOUT_S), "--drain", str(DRAIN_S)]
    deadline = time.monotonic() + SETUP_TIMEOUT_S + duration + DRAIN_S + 30
    proc = subprocess.Popen(cmd, cwd=relay_dir(ctx), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    marks: dict[str, dict[str, float]] = {}
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
                    marks[item["phase"]] = {name: cpu_seconds(pids) for name, pids in groups.items()}
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
        for name in groups:
            key = "cpu_us_per_signal" if name == "all" else f"{name}_cpu_us_per_signal"
            result[key] = 1e6 * (marks["drain"][name] - marks["run"][name]) / signals
    return result


def _combine(runs: list[dict]) -> dict:
    """One case over its rounds: the median of each figure; lost and out of order summed."""
    merged: dict = {"rounds": runs}
    for key in ("cpu_us_per_signal", "idle_cpu_us_per_signal", "redis_cpu_us_per_signal", "msgs_per_s",
                "rtt_p99_ms", "in_window"):
        values = [run[key] for run in runs if run.get(key) is not None]
        if values:
            merged[key] = statistics.median(values)
    for key in ("lost", "out_of_order"):
        values = [run.get(key) for run in runs]
        merged[key] = None if None in values else sum(values)
    merged["error"] = next((run["error"] for run in runs if run.get("error")), None)
    merged["cpu_us_per_signal_rounds"] = [run["cpu_us_per_signal"] for run in runs
                                          if run.get("cpu_us_per_signal") is not None]
    return merged


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
        own = [[server.pid, *worker_pids(server.pid)] for server in servers]
        groups = {"all": [pid for pids in own for pid in pids] + ([redis_pid] if redis_pid else [])}
        if redis_pid:
            groups["redis"] = [redis_pid]
        if processes > 2:
            groups["idle"] = own[2]
        url_b = servers[1].url if processes > 1 else servers[0].url
        ctx.log(f"relay_processes: {name}, {processes} process(es), {PAIRS} pairs, {duration} s")
        return _loadgen(ctx, node, servers[0].url, url_b, duration, groups)
    finally:
        for server in servers:
            server.stop()


def run(ctx) -> dict:
    duration = 3 if ctx.quick else DURATION_S
    node = ensure_node(ctx)
    if shutil.which("redis-server") is None:
        return {"notes": ["redis-server is not installed: nothing measured"]}
    own = OwnRedis(Path(ctx.tmpdir) / "relay-redis.log")
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in CASES}
    try:
        for turn in range(1 if ctx.quick else ROUNDS):  # interleaved, order flipped: the load drifts
            for name, processes, queued in (CASES if turn % 2 == 0 else CASES[::-1]):
                runs[name].append(_case(ctx, node, name, processes, own.url if queued else None,
                                        own.proc.pid if queued else None, duration))
    finally:
        own.stop()
    results = {name: _combine(case_runs) for name, case_runs in runs.items()}

    base = results["base"].get("cpu_us_per_signal")
    rows = []
    for name, processes, queued in CASES:
        item = results[name]
        us = item.get("cpu_us_per_signal")
        rows.append({"case": name, "processes": processes, "redis": queued,
                     "cpu_us/signal": round(us, 1) if us else None,
                     "rounds": " ".join(f"{x:.0f}" for x in item["cpu_us_per_signal_rounds"]),
                     "x base": round(us / base, 2) if us and base else None,
                     "redis-server us/signal": round(item["redis_cpu_us_per_signal"], 1)
                     if "redis_cpu_us_per_signal" in item else None,
                     "idle process us/signal": round(item["idle_cpu_us_per_signal"], 2)
                     if "idle_cpu_us_per_signal" in item else None,
                     "msgs/s": item.get("msgs_per_s"), "rtt_p99_ms": item.get("rtt_p99_ms"),
                     "signals": int(item["in_window"]) if item.get("in_window") else None,
                     "lost": item.get("lost"),
                     "out_of_order": item.get("out_of_order"),
                     "error": (item.get("error") or "")[:120] or None})

    def ratio(name: str) -> float | None:
        us = results[name].get("cpu_us_per_signal")
        return us / base if us and base else None

    idle_us = results["split+idle"].get("idle_cpu_us_per_signal")
    lost = [results[n].get("lost") for n, _, _ in CASES]
    disorder = [results[n].get("out_of_order") for n, _, _ in CASES]
    lost_total = None if None in lost else sum(lost)
    disorder_total = None if None in disorder else sum(disorder)
    targets = [
        stats.target("same process with Redis, CPU/signal x base", ratio("same"), f"<= {SAME_MAX}",
                     stats.at_most(ratio("same"), SAME_MAX)),
        stats.target("split over 2 processes, CPU/signal x base", ratio("split"), f"<= {SPLIT_MAX}",
                     stats.at_most(ratio("split"), SPLIT_MAX)),
        stats.target("third idle process, its own CPU us/signal", idle_us, f"<= {IDLE_MAX_US}",
                     stats.at_most(idle_us, IDLE_MAX_US)),
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
