"""WebRTC signaling relay (Socket.IO ``webrtc_signal``) against a Node socket.io reference.

For P in (1, 10, 50) pairs, bench/reference_relay/loadgen.js (socket.io-client, websocket
transport) ping-pongs 1 KiB ``webrtc_signal`` messages between a<i> (evaluator) and b<i>
(client) for 10 s (``--quick``: 3 s): first against bench/reference_relay/server.js (what
the proof of concept's relay does, on socket.io 4.8), then against the service, where the
evaluator first starts a session with ``start_session`` (the service relays only inside a
live session). Reported side by side: relayed messages/s, RTT p50/p99, lost messages, and
the CPU use of the load generator and of the server, to show who the bottleneck is.
Targets: service >= 0.5 x reference msg/s, RTT p99 < 10 ms at 50 pairs, nothing lost.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psutil

from bench import stats
from bench.procs import worker_pids

PAIRS = (1, 10, 50)
SETUP_TIMEOUT_S = 30
DRAIN_S = 5
NPM_TIMEOUT_S = 300
START_TIMEOUT_S = 15
SAMPLE_EVERY_S = 0.25
LOADGEN_BOUND_PCT = 90.0

RATIO_MIN = 0.5
P99_MAX_MS = 10.0

# Lifted per-socket rate limit of the service during the run (see _lift_rate_limit).
RATE_ENV = {"SOCKET_RATE_LIMIT": "1000000", "SOCKET_RATE_BURST": "2000000"}


class RelayBenchError(RuntimeError):
    pass


def relay_dir(ctx) -> Path:
    return Path(ctx.bench_dir) / "reference_relay"


def ensure_node(ctx) -> str:
    node = shutil.which("node")
    if node is None:
        raise RelayBenchError("node is not installed (Node 20 needed for the reference relay)")
    here = relay_dir(ctx)
    if not (here / "node_modules" / "socket.io-client").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            raise RelayBenchError("npm is not installed; run `npm ci` in bench/reference_relay")
        ctx.log("npm ci in bench/reference_relay")
        try:
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=here,
                                  capture_output=True, text=True, timeout=NPM_TIMEOUT_S,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise RelayBenchError(f"npm ci did not finish in {NPM_TIMEOUT_S} s") from exc
        if done.returncode != 0:
            raise RelayBenchError(f"npm ci failed (exit {done.returncode}):\n"
                                  f"{(done.stdout + done.stderr)[-2000:]}")
    return node


def _readline(proc: subprocess.Popen, deadline: float) -> str | None:
    """First stdout line of ``proc`` or None at the deadline / on exit."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    try:
        while time.monotonic() < deadline and b"\n" not in buf:
            if not sel.select(timeout=max(0.0, min(0.2, deadline - time.monotonic()))):
                if proc.poll() is not None:
                    return None
                continue
            piece = os.read(proc.stdout.fileno(), 4096)
            if not piece:
                return None
            buf += piece
    finally:
        sel.close()
    return buf.split(b"\n", 1)[0].decode(errors="replace") if b"\n" in buf else None


class ReferenceRelay:
    def __init__(self, ctx, node: str):
        self.ctx = ctx
        self.node = node
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.log_path = Path(ctx.tmpdir) / "reference_relay.log"
        self._log = None

    def start(self) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [self.node, "server.js", "0"], cwd=relay_dir(self.ctx), stdout=subprocess.PIPE,
            stderr=self._log, stdin=subprocess.DEVNULL, start_new_session=True)
        line = _readline(self.proc, time.monotonic() + START_TIMEOUT_S)
        if not line or not line.startswith("listening "):
            self.stop()
            raise RelayBenchError(f"reference relay did not start (got {line!r}); "
                                  f"log {self.log_path}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc.stdout:
            proc.stdout.close()
        if self._log:
            self._log.close()


def _cpu(pid: int) -> float | None:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


def _window_pct(samples: list[tuple[float, float | None]], start: float, end: float):
    """CPU% between the samples closest to [start, end] (None if not measurable)."""
    points = [(t, c) for t, c in samples if c is not None]
    inside = [(t, c) for t, c in points if start <= t <= end]
    if len(inside) < 2:
        return None
    (t0, c0), (t1, c1) = inside[0], inside[-1]
    return 100.0 * (c1 - c0) / (t1 - t0) if t1 > t0 else None


def run_loadgen(ctx, node: str, url: str, pairs: int, duration: float, start_session: bool,
                server_pids: list[int]) -> dict:
    cmd = [node, "loadgen.js", "--url", url, "--pairs", str(pairs), "--duration", str(duration),
           "--setup-timeout", str(SETUP_TIMEOUT_S), "--drain", str(DRAIN_S)]
    if start_session:
        cmd.append("--start-session")
    deadline = time.monotonic() + SETUP_TIMEOUT_S + duration + DRAIN_S + 30
    t_spawn = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=relay_dir(ctx), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    gen_samples: list[tuple[float, float | None]] = []
    srv_samples: list[tuple[float, float | None]] = []
    try:
        max_samples = int((deadline - t_spawn) / SAMPLE_EVERY_S) + 10
        for _ in range(max_samples):
            if proc.poll() is not None or time.monotonic() > deadline:
                break
            now = time.monotonic()
            gen_samples.append((now, _cpu(proc.pid)))
            server = [_cpu(pid) for pid in server_pids]
            srv_samples.append((now, sum(c for c in server if c is not None)
                                if any(c is not None for c in server) else None))
            time.sleep(SAMPLE_EVERY_S)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
            return {"error": "loadgen did not finish before its deadline (killed)"}
        out, err = proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
    lines = [ln for ln in out.decode(errors="replace").splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": f"loadgen exit {proc.returncode}, no JSON; stderr: "
                         f"{err.decode(errors='replace')[-500:]}"}
    result = json.loads(lines[-1])
    setup = result.get("setup_s")
    if setup is not None:
        # Node start-up before main() is not in setup_s; keep a margin at both ends.
        start = t_spawn + setup + 0.5
        end = t_spawn + setup + duration
        result["loadgen_cpu_pct_psutil"] = _window_pct(gen_samples, start, end)
        result["server_cpu_pct"] = _window_pct(srv_samples, start, end)
    return result


def _row(pairs: int, target: str, result: dict) -> dict:
    return {
        "pairs": pairs,
        "target": target,
        "msgs/s": result.get("msgs_per_s"),
        "rtt_p50_ms": result.get("rtt_p50_ms"),
        "rtt_p99_ms": result.get("rtt_p99_ms"),
        "sent": result.get("sent"),
        "received": result.get("received"),
        "lost": result.get("lost"),
        "loadgen_cpu%": result.get("loadgen_cpu_pct"),
        "loadgen_cpu%_psutil": result.get("loadgen_cpu_pct_psutil"),
        "server_cpu%": result.get("server_cpu_pct"),
        "error": (result.get("error") or "")[:120] or None,
    }


def _lift_rate_limit(ctx) -> str:
    """The service limits Socket.IO messages per socket (SOCKET_RATE_LIMIT, default 200/s),
    which would cap this capacity test far below the reference. When the runner owns the
    service and nobody chose a limit, restart it with the limit out of the way."""
    if any(key in ctx.env for key in RATE_ENV):
        return "service rate limit as given with --env"
    if os.environ.get("BENCH_KEEP_RATE_LIMIT"):
        return "service rate limit left at its default (BENCH_KEEP_RATE_LIMIT set)"
    if not ctx.owns_service:
        return ("service not started by the runner: its per-socket rate limit "
                "(SOCKET_RATE_LIMIT) may cap the service figures")
    ctx.log("restarting the service with the per-socket rate limit lifted")
    ctx.restart_service(RATE_ENV)
    return (f"service ran with {', '.join(f'{k}={v}' for k, v in RATE_ENV.items())} "
            "(capacity test; set BENCH_KEEP_RATE_LIMIT=1 to keep the default)")


def _restore_rate_limit(ctx) -> None:
    if ctx.owns_service and all(ctx.env.get(k) == v for k, v in RATE_ENV.items()):
        ctx.log("restarting the service with its default rate limit")
        ctx.restart_service({key: None for key in RATE_ENV})


def run(ctx) -> dict:
    duration = 3 if ctx.quick else 10
    node = ensure_node(ctx)
    rate_note = _lift_rate_limit(ctx)
    reference = ReferenceRelay(ctx, node)
    rows, ratios, raw = [], [], {}
    try:
        reference.start()
        for pairs in PAIRS:
            ctx.log(f"reference relay, {pairs} pairs, {duration} s")
            ref = run_loadgen(ctx, node, reference.url, pairs, duration, False,
                              [reference.proc.pid])
            time.sleep(0.5)
            ctx.log(f"service, {pairs} pairs, {duration} s")
            svc_pids = ctx.service_worker_pids() or worker_pids(ctx.service_pid)
            svc = run_loadgen(ctx, node, ctx.base_url, pairs, duration, True, svc_pids)
            time.sleep(0.5)
            raw[pairs] = {"reference": ref, "service": svc}
            rows.append(_row(pairs, "reference", ref))
            rows.append(_row(pairs, "service", svc))
            ref_rate, svc_rate = ref.get("msgs_per_s"), svc.get("msgs_per_s")
            ratios.append({
                "pairs": pairs,
                "reference_msgs/s": ref_rate,
                "service_msgs/s": svc_rate,
                "ratio": svc_rate / ref_rate if svc_rate is not None and ref_rate else None,
                "reference_p99_ms": ref.get("rtt_p99_ms"),
                "service_p99_ms": svc.get("rtt_p99_ms"),
            })
    finally:
        reference.stop()
        _restore_rate_limit(ctx)

    targets = []
    for item in ratios:
        ratio = item["ratio"]
        targets.append(stats.target(f"service/reference msgs/s, {item['pairs']} pairs", ratio,
                                    f">= {RATIO_MIN}", ratio is not None and ratio >= RATIO_MIN))
    p99_50 = raw.get(50, {}).get("service", {}).get("rtt_p99_ms")
    targets.append(stats.target("service RTT p99 at 50 pairs (ms)", p99_50, f"< {P99_MAX_MS:.0f}",
                                p99_50 is not None and p99_50 < P99_MAX_MS))
    lost = [raw[p]["service"].get("lost") for p in raw]
    lost_total = sum(lost) if lost and None not in lost else None
    targets.append(stats.target("service messages lost (all runs)", lost_total, "== 0",
                                bool(lost) and None not in lost and lost_total == 0))

    notes = [rate_note, f"host has {ctx.cpu_count} CPUs, shared by the load generator (one node process, "
             "one core at most) and the server; loadgen_cpu% is measured by the loadgen over "
             "its run window, loadgen_cpu%_psutil / server_cpu% by psutil (100 = one core)"]
    for row in rows:
        cpu = row["loadgen_cpu%"]
        if cpu is not None and cpu >= LOADGEN_BOUND_PCT:
            notes.append(f"{row['target']} at {row['pairs']} pairs: the loadgen used "
                         f"{cpu:.0f}% of a core, so it may be the bottleneck there and the "
                         "msgs/s figure is a lower bound for that server")
    if str(ctx.env.get("AUTH_REQUIRED", "")).lower() in ("1", "true", "yes"):
        notes.append("AUTH_REQUIRED is set: the loadgen sends no token, the service runs fail")
    return {
        "duration_s": duration,
        "message_bytes": next((r["reference"].get("msg_bytes") for r in raw.values()
                               if r["reference"].get("msg_bytes")), None),
        "window": 1,
        "tables": {"runs": rows, "service vs reference": ratios},
        "targets": targets,
        "notes": notes,
        "details": raw,
    }
