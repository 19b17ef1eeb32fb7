"""Chunked video upload as the recording app's browser uploader does it.

``POST /api/session/create`` (JSON ``{}``), then per video strictly sequential
``POST /api/upload/chunk`` multipart requests (fields session_id, video_id, chunk_index,
total_chunks, file part ``chunk`` named ``chunk_<i>``, 1 MiB each); the last one answers
``status: "video_complete"``. 100 MiB files one at a time and 4 at once (5 repetitions each),
then one 1 GiB file (``--quick``: 8 MiB files, 2 repetitions, no 1 GiB file). The same chunks
go to the ceiling app's ``/sink-multipart`` to get the best this stack can do; the service
should reach 60% of it. Every stored file is then checked by SHA-256 through
``GET /api/upload/status`` and, with the local storage backend, on disk.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

from bench import stats
from bench.procs import cpu_seconds, worker_pids

CHUNK = 1024 * 1024
MIB = stats.MIB
POOL_BYTES = 32 * MIB
SEED = 20240601
REQUEST_TIMEOUT_S = 60.0
CONCURRENCY_LEVELS = (1, 4)

# Targets.
RATIO_MIN = 0.6
COMPLETION_P99_MAX_MS = 50.0
COMPLETION_1G_MAX_MS = 500.0
RSS_GROWTH_MAX_MIB = 64.0


class Payload:
    """Deterministic, cheap test data: 1 MiB windows into one seeded random pool."""

    def __init__(self, seed: int = SEED):
        self.pool = random.Random(seed).randbytes(POOL_BYTES)
        self._span = (POOL_BYTES - CHUNK) // 4096

    def chunk(self, video_no: int, index: int) -> bytes:
        offset = ((video_no * 1_000_003 + index * 7_919) % self._span) * 4096
        return self.pool[offset:offset + CHUNK]

    def sha256(self, video_no: int, nchunks: int) -> str:
        digest = hashlib.sha256()
        for index in range(nchunks):
            digest.update(self.chunk(video_no, index))
        return digest.hexdigest()


@dataclass
class VideoRun:
    video_no: int
    video_id: str
    session_id: str | None
    nchunks: int
    chunk_latencies: list[float] = field(default_factory=list)
    completion_latency: float | None = None
    sent_bytes: int = 0
    error: str | None = None
    final: dict | None = None


def _post_chunk(http: requests.Session, url: str, run: VideoRun, index: int, data: bytes,
                raw: bool = False):
    if raw:
        return http.post(url, data=data, timeout=REQUEST_TIMEOUT_S,
                         headers={"Content-Type": "application/octet-stream"})
    fields = {
        "session_id": run.session_id or "ceiling",
        "video_id": run.video_id,
        "chunk_index": str(index),
        "total_chunks": str(run.nchunks),
    }
    files = {"chunk": (f"chunk_{index}", data, "application/octet-stream")}
    return http.post(url, data=fields, files=files, timeout=REQUEST_TIMEOUT_S)


def upload_video(http: requests.Session, url: str, run: VideoRun, payload: Payload,
                 deadline: float, check_service: bool, raw: bool = False) -> None:
    """Sequential chunks of one video; fills ``run``. Stops at the first error."""
    last = run.nchunks - 1
    for index in range(run.nchunks):
        if time.monotonic() > deadline:
            run.error = f"deadline passed at chunk {index}"
            return
        data = payload.chunk(run.video_no, index)
        t0 = time.perf_counter()
        try:
            resp = _post_chunk(http, url, run, index, data, raw)
        except requests.RequestException as exc:
            run.error = f"chunk {index}: {type(exc).__name__}: {exc}"
            return
        elapsed = time.perf_counter() - t0
        run.chunk_latencies.append(elapsed)
        if resp.status_code != 200:
            run.error = f"chunk {index}: HTTP {resp.status_code} {resp.text[:200]!r}"
            return
        run.sent_bytes += len(data)
        if not check_service:
            continue
        try:
            body = resp.json()
        except ValueError:
            run.error = f"chunk {index}: non-JSON answer {resp.text[:200]!r}"
            return
        status = body.get("status")
        if index == last:
            run.completion_latency = elapsed
            run.final = body
            if status != "video_complete" or not body.get("file_path"):
                run.error = f"last chunk answered {body!r}, expected video_complete + file_path"
        elif status != "chunk_received":
            run.error = f"chunk {index} answered {body!r}, expected chunk_received"
            return
    if not check_service and run.chunk_latencies:
        run.completion_latency = run.chunk_latencies[-1]


class Target:
    """The service or the ceiling: URL, one persistent HTTP session per worker slot.

    ``mode``: "service" (/api/upload/chunk), "ceiling" (multipart to /sink-multipart) or
    "raw" (the chunk as a bare body to the ceiling's /sink, for information)."""

    def __init__(self, name: str, url: str, mode: str, master_pid: int | None):
        self.name = name
        self.url = url
        self.mode = mode
        self.is_service = mode == "service"
        self.master_pid = master_pid
        self.sessions: dict[int, requests.Session] = {}

    @property
    def endpoint(self) -> str:
        path = {"service": "/api/upload/chunk", "ceiling": "/sink-multipart",
                "raw": "/sink"}[self.mode]
        return self.url + path

    def http(self, slot: int) -> requests.Session:
        if slot not in self.sessions:
            self.sessions[slot] = requests.Session()
        return self.sessions[slot]

    def close(self) -> None:
        for http in self.sessions.values():
            http.close()


class Runner:
    def __init__(self, ctx, payload: Payload):
        self.ctx = ctx
        self.payload = payload
        self._video_no = 0
        self.uploaded: list[VideoRun] = []  # service videos to verify

    def next_video_no(self) -> int:
        self._video_no += 1
        return self._video_no

    def create_session(self) -> str:
        http = requests.Session()
        try:
            resp = http.post(f"{self.ctx.base_url}/api/session/create", json={},
                             timeout=REQUEST_TIMEOUT_S)
        finally:
            http.close()
        if resp.status_code not in (200, 201):
            raise RuntimeError(f"POST /api/session/create -> {resp.status_code} "
                               f"{resp.text[:200]!r}")
        session_id = resp.json().get("session_id")
        if not session_id:
            raise RuntimeError(f"POST /api/session/create gave no session_id: {resp.text!r}")
        return session_id

    def batch(self, target: Target, concurrency: int, nchunks: int) -> dict:
        """``concurrency`` videos of ``nchunks`` chunks at once; one thread per video."""
        session_id = self.create_session() if target.is_service else None
        stamp = int(time.time() * 1000)
        runs = []
        for _ in range(concurrency):
            video_no = self.next_video_no()
            runs.append(VideoRun(video_no, f"video_{stamp}_{video_no}", session_id, nchunks))
        url = target.endpoint
        total_mib = concurrency * nchunks * CHUNK / MIB
        deadline = time.monotonic() + 60.0 + total_mib  # at worst 1 MiB/s
        barrier = threading.Barrier(concurrency + 1)

        def work(slot: int, run: VideoRun) -> None:
            http = target.http(slot)
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                run.error = "start barrier broken"
                return
            try:
                upload_video(http, url, run, self.payload, deadline, target.is_service,
                             target.mode == "raw")
            except Exception as exc:  # noqa: BLE001 - record, never hang the batch
                run.error = f"{type(exc).__name__}: {exc}"

        threads = [threading.Thread(target=work, args=(slot, run), daemon=True)
                   for slot, run in enumerate(runs)]
        for thread in threads:
            thread.start()
        me = psutil.Process()
        server_pids = worker_pids(target.master_pid)
        cpu0 = me.cpu_times()
        server_cpu0 = cpu_seconds(server_pids)
        barrier.wait(timeout=30)
        t0 = time.perf_counter()
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic() + REQUEST_TIMEOUT_S))
        wall = time.perf_counter() - t0
        cpu1 = me.cpu_times()
        server_cpu = cpu_seconds(server_pids) - server_cpu0
        if target.is_service:
            self.uploaded.extend(runs)
        sent = sum(run.sent_bytes for run in runs)
        return {
            "runs": runs,
            "wall_s": wall,
            "bytes": sent,
            "mib_s": stats.mib_per_s(sent, wall),
            "client_cpu_pct": 100.0 * ((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system))
            / wall if wall > 0 else None,
            "server_cpu_pct": 100.0 * server_cpu / wall if wall > 0 and server_pids else None,
            "errors": [run.error for run in runs if run.error],
        }


def _row(target: str, concurrency: int, nchunks: int, batches: list[dict]) -> dict:
    runs = [run for batch in batches for run in batch["runs"]]
    chunk_lat = [x for run in runs for x in run.chunk_latencies]
    completion = [run.completion_latency for run in runs if run.completion_latency is not None]
    rates = [b["mib_s"] for b in batches if b["mib_s"] is not None and not b["errors"]]
    return {
        "target": target,
        "conc": concurrency,
        "file_MiB": nchunks * CHUNK // MIB,
        "reps": len(batches),
        "MiB/s_median": stats.median(rates),
        "MiB/s_min": min(rates) if rates else None,
        "MiB/s_max": max(rates) if rates else None,
        "chunk_p50_ms": stats.ms(stats.p50(chunk_lat)),
        "chunk_p99_ms": stats.ms(stats.p99(chunk_lat)),
        "compl_p50_ms": stats.ms(stats.p50(completion)),
        "compl_p99_ms": stats.ms(stats.p99(completion)),
        "client_cpu%": stats.median([b["client_cpu_pct"] for b in batches
                                     if b["client_cpu_pct"] is not None]),
        "server_cpu%": stats.median([b["server_cpu_pct"] for b in batches
                                     if b["server_cpu_pct"] is not None]),
        "errors": sum(len(b["errors"]) for b in batches),
    }


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(MIB)
            if not block:
                return digest.hexdigest()
            digest.update(block)


def verify(ctx, runner: Runner, payload: Payload) -> dict:
    """Stored size/SHA-256 via /api/upload/status and (local backend) on disk."""
    checked = status_ok = disk_ok = 0
    disk_checked = 0
    problems: list[str] = []
    http = requests.Session()
    try:
        for run in runner.uploaded:
            if run.error or run.final is None:
                continue
            checked += 1
            expected = payload.sha256(run.video_no, run.nchunks)
            size = run.nchunks * CHUNK
            try:
                resp = http.get(f"{ctx.base_url}/api/upload/status",
                                params={"session_id": run.session_id,
                                        "video_id": run.video_id},
                                timeout=REQUEST_TIMEOUT_S)
                body = resp.json() if resp.status_code == 200 else {}
            except (requests.RequestException, ValueError) as exc:
                body = {"error": str(exc)}
                resp = None
            if (body.get("status") == "complete" and body.get("sha256") == expected
                    and body.get("size") == size):
                status_ok += 1
            else:
                code = resp.status_code if resp is not None else "-"
                problems.append(f"{run.video_id}: status HTTP {code} {str(body)[:160]}")
            if ctx.local_storage:
                disk_checked += 1
                path = (Path(ctx.data_dir) / "facial_recordings" / run.session_id
                        / f"{run.video_id}.webm")
                if not path.exists():
                    problems.append(f"{run.video_id}: no file at {path}")
                elif _file_sha256(path) != expected:
                    problems.append(f"{run.video_id}: file on disk has another SHA-256")
                else:
                    disk_ok += 1
    finally:
        http.close()
    failed_uploads = sum(1 for run in runner.uploaded if run.error or run.final is None)
    return {
        "videos_uploaded": len(runner.uploaded),
        "upload_failures": failed_uploads,
        "status_checked": checked,
        "status_sha_ok": status_ok,
        "disk_checked": disk_checked,
        "disk_sha_ok": disk_ok,
        "problems": problems[:10],
        "ok": failed_uploads == 0 and checked > 0 and status_ok == checked
        and disk_ok == disk_checked,
    }


def run(ctx) -> dict:
    file_mib = 8 if ctx.quick else 100
    reps = 2 if ctx.quick else 5
    nchunks = file_mib * MIB // CHUNK
    payload = Payload()
    runner = Runner(ctx, payload)
    service = Target("service", ctx.base_url, "service", ctx.service_pid)
    ceiling = Target("ceiling", ctx.ceiling_url, "ceiling", ctx.ceiling_pid)
    raw = Target("ceiling-raw", ctx.ceiling_url, "raw", ctx.ceiling_pid)
    notes = []
    first_errors: list[str] = []
    rows = []
    medians: dict[tuple[str, int], float | None] = {}
    ctx.reset_rss_peak()
    try:
        for concurrency in CONCURRENCY_LEVELS:
            per_target: dict[str, list[dict]] = {"ceiling-raw": [], "ceiling": [], "service": []}
            for rep in range(reps):
                # Interleave ceiling and service so that drift affects both alike.
                for target in (raw, ceiling, service):
                    ctx.log(f"{target.name} x{concurrency} {file_mib} MiB rep {rep + 1}/{reps}")
                    result = runner.batch(target, concurrency, nchunks)
                    per_target[target.name].append(result)
                    first_errors.extend(f"{target.name}: {e}" for e in result["errors"])
            for name in ("ceiling-raw", "ceiling", "service"):
                row = _row(name, concurrency, nchunks, per_target[name])
                rows.append(row)
                medians[(name, concurrency)] = row["MiB/s_median"]
        rss_peak_small = ctx.rss_peak_mib()

        big = None
        if not ctx.quick:
            time.sleep(0.5)
            rss_before = ctx.rss_mib()
            ctx.reset_rss_peak()
            ctx.log("service x1 1024 MiB")
            result = runner.batch(service, 1, 1024)
            first_errors.extend(f"service 1 GiB: {e}" for e in result["errors"])
            rss_peak = ctx.rss_peak_mib()
            big = _row("service", 1, 1024, [result])
            big["MiB/s"] = result["mib_s"]
            for key in ("MiB/s_median", "MiB/s_min", "MiB/s_max", "reps", "compl_p50_ms"):
                big.pop(key, None)
            big["rss_before_MiB"] = rss_before
            big["rss_peak_MiB"] = rss_peak
            big["rss_growth_MiB"] = (rss_peak - rss_before
                                     if rss_peak is not None and rss_before is not None
                                     else None)
            big["rss_after_MiB"] = ctx.rss_mib()
    finally:
        for target in (service, ceiling, raw):
            target.close()

    ctx.log("verifying stored files")
    verification = verify(ctx, runner, payload)

    ratio1 = stats.ratio(medians.get(("service", 1)), medians.get(("ceiling", 1)))
    ratio4 = stats.ratio(medians.get(("service", 4)), medians.get(("ceiling", 4)))
    compl_p99 = {r["conc"]: r["compl_p99_ms"] for r in rows if r["target"] == "service"}

    targets = [
        stats.target("ratio x1 (service/ceiling MiB/s)", ratio1, f">= {RATIO_MIN}",
                     stats.at_least(ratio1, RATIO_MIN)),
        stats.target("ratio x4 (service/ceiling MiB/s)", ratio4, f">= {RATIO_MIN}",
                     stats.at_least(ratio4, RATIO_MIN)),
        *(stats.target(f"completion p99 {file_mib} MiB x{conc} (ms)", compl_p99.get(conc),
                       f"< {COMPLETION_P99_MAX_MS:.0f}",
                       stats.below(compl_p99.get(conc), COMPLETION_P99_MAX_MS))
          for conc in CONCURRENCY_LEVELS),
        stats.target("completion 1 GiB (ms)", big and big["compl_p99_ms"],
                     f"< {COMPLETION_1G_MAX_MS:.0f}",
                     stats.below(big and big["compl_p99_ms"], COMPLETION_1G_MAX_MS)),
        stats.target("RSS growth 1 GiB (MiB)", big and big["rss_growth_MiB"],
                     f"< {RSS_GROWTH_MAX_MIB:.0f}",
                     stats.below(big and big["rss_growth_MiB"], RSS_GROWTH_MAX_MIB)),
        stats.target("stored files: status + SHA-256", verification["ok"], "all match",
                     verification["ok"] if verification["videos_uploaded"] else False),
    ]
    if file_mib != 100:
        notes.append(f"--quick: {file_mib} MiB files, {reps} repetitions, no 1 GiB upload; "
                     "the completion target is meant for 100 MiB files")
    if not ctx.local_storage:
        notes.append("files not checked on disk (service not started by the runner or not "
                     "on the local storage backend)")
    if ctx.service_pid is None:
        notes.append("no service pid: RSS not measured")
    notes.append(f"host has {ctx.cpu_count} CPUs; client and server share them. "
                 "client_cpu% = this process, server_cpu% = the gunicorn worker "
                 "(100 = one core; a single gevent worker cannot use more)")
    notes.append("ceiling-raw = the same chunks as bare bodies to the ceiling's /sink "
                 "(information only: cost of multipart parsing)")
    notes.extend(f"error: {e}" for e in first_errors[:5])
    notes.extend(f"verify: {p}" for p in verification["problems"])

    tables = {"throughput (MiB/s per repetition: total bytes / wall time)": rows}
    if big is not None:
        tables["1 GiB upload, one at a time"] = [big]
    verification_row = {k: v for k, v in verification.items() if k != "problems"}
    tables["verification"] = [verification_row]
    return {
        "chunk_MiB": CHUNK / MIB,
        "ratio_x1": ratio1,
        "ratio_x4": ratio4,
        "service_rss_peak_MiB (100 MiB phase)": rss_peak_small,
        "tables": tables,
        "targets": targets,
        "notes": notes,
    }
