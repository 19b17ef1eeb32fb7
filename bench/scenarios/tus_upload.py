"""tus uploads (``/files/``) against the recording app's chunk route, in the same run.

Each tus video is created with ``POST /files/`` (``Upload-Length``, ``Upload-Metadata``:
session_id, video_id, filename) and sent in ``PATCH`` requests of up to 5 MiB, strictly in
order; the last MiB goes alone in the last PATCH, so that the request completing a video carries
1 MiB on both routes and completion is measured alike: the server's completion work plus the
transfer of 1 MiB, not of 5 MiB (which alone takes longer than the completion target on a
busy host). The chunk route gets the same bytes as 1 MiB chunks
(``bench.scenarios.chunk_upload``). 100 MiB files one at a time and 4 at once, 5 repetitions
each, interleaved (``--quick``: 10 MiB files, 2 repetitions). Targets: tus MiB/s at least 0.9 x
the chunk route's, completion (the last PATCH) p99 under 50 ms, every stored file's SHA-256
checked through ``GET /api/upload/status`` and, with the local storage backend, on disk.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from pathlib import Path

import requests

from bench import stats
from bench.scenarios.chunk_upload import (
    CHUNK,
    REQUEST_TIMEOUT_S,
    Payload,
    Runner,
    Target,
    VideoRun,
)
from facial_backend.perf import server_timing

MIB = stats.MIB
PATCH_CHUNKS = 5  # up to 5 MiB per PATCH; the last one carries 1 MiB
CONCURRENCY_LEVELS = (1, 4)
RATIO_MIN = 0.9
COMPLETION_P99_MAX_MS = 50.0
TUS = {"Tus-Resumable": "1.0.0"}


def _metadata(**values: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(MIB):
            digest.update(block)
    return digest.hexdigest()


def patch_starts(nchunks: int) -> list[int]:
    """The first chunk of each PATCH: every ``PATCH_CHUNKS`` chunks, and the last chunk alone."""
    return sorted({*range(0, max(nchunks - 1, 1), PATCH_CHUNKS), nchunks - 1})


def upload_tus(http: requests.Session, base: str, run: VideoRun, payload: Payload, deadline: float) -> None:
    """Create the upload, then PATCH it in order; fills ``run``. Stops at the first error."""
    size = run.nchunks * CHUNK
    try:
        created = http.post(f"{base}/files/", timeout=REQUEST_TIMEOUT_S, headers={
            **TUS, "Upload-Length": str(size),
            "Upload-Metadata": _metadata(session_id=run.session_id, video_id=run.video_id,
                                         filename=f"{run.video_id}.webm")})
    except requests.RequestException as exc:
        run.error = f"create: {type(exc).__name__}: {exc}"
        return
    if created.status_code != 201:
        run.error = f"create: HTTP {created.status_code} {created.text[:200]!r}"
        return
    location = created.headers["Location"]
    starts = patch_starts(run.nchunks)
    for first, end in zip(starts, [*starts[1:], run.nchunks], strict=True):
        if time.monotonic() > deadline:
            run.error = f"deadline passed at chunk {first}"
            return
        data = b"".join(payload.chunk(run.video_no, index) for index in range(first, end))
        t0 = time.perf_counter()
        try:
            answer = http.patch(location, data=data, timeout=REQUEST_TIMEOUT_S, headers={
                **TUS, "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": str(first * CHUNK)})
        except requests.RequestException as exc:
            run.error = f"PATCH at chunk {first}: {type(exc).__name__}: {exc}"
            return
        elapsed = time.perf_counter() - t0
        run.chunk_latencies.append(elapsed)
        if answer.status_code != 204 or answer.headers.get("Upload-Offset") != str(first * CHUNK + len(data)):
            run.error = f"PATCH at chunk {first}: HTTP {answer.status_code} {answer.text[:200]!r}"
            return
        run.sent_bytes += len(data)
    run.completion_latency = run.chunk_latencies[-1]
    run.final = {"location": location, "timing": server_timing.parse(answer.headers.get("Server-Timing", ""))
                 if answer.headers.get("Server-Timing") else {}}


def tus_batch(runner: Runner, base: str, concurrency: int, nchunks: int) -> dict:
    """``concurrency`` tus videos of ``nchunks`` MiB at once, one thread and session each."""
    session_id = runner.create_session()
    stamp = int(time.time() * 1000)
    runs = []
    for _ in range(concurrency):
        video_no = runner.next_video_no()
        runs.append(VideoRun(video_no, f"tus_{stamp}_{video_no}", session_id, nchunks))
    deadline = time.monotonic() + 60.0 + concurrency * nchunks  # at worst 1 MiB/s
    barrier = threading.Barrier(concurrency + 1)

    def work(run: VideoRun) -> None:
        with requests.Session() as http:
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                run.error = "start barrier broken"
                return
            try:
                upload_tus(http, base, run, runner.payload, deadline)
            except Exception as exc:  # noqa: BLE001 - record, never hang the batch
                run.error = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=work, args=(run,), daemon=True) for run in runs]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=30)
    t0 = time.perf_counter()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic() + REQUEST_TIMEOUT_S))
    wall = time.perf_counter() - t0
    sent = sum(run.sent_bytes for run in runs)
    return {"runs": runs, "wall_s": wall, "mib_s": stats.mib_per_s(sent, wall),
            "errors": [run.error for run in runs if run.error]}


def _row(target: str, concurrency: int, nchunks: int, batches: list[dict]) -> dict:
    runs = [run for batch in batches for run in batch["runs"]]
    request_lat = [x for run in runs for x in run.chunk_latencies]
    completion = [run.completion_latency for run in runs if run.completion_latency is not None]
    rates = [b["mib_s"] for b in batches if b["mib_s"] is not None and not b["errors"]]
    return {
        "target": target,
        "conc": concurrency,
        "file_MiB": nchunks * CHUNK // MIB,
        "request_MiB": f"<={PATCH_CHUNKS}" if target == "tus" else "1",
        "reps": len(batches),
        "MiB/s_median": stats.median(rates),
        "MiB/s_min": min(rates) if rates else None,
        "request_p50_ms": stats.ms(stats.p50(request_lat)),
        "request_p99_ms": stats.ms(stats.p99(request_lat)),
        "compl_p50_ms": stats.ms(stats.p50(completion)),
        "compl_p99_ms": stats.ms(stats.p99(completion)),
        "errors": sum(len(b["errors"]) for b in batches),
    }


def completion_split(concurrency: int, runs: list[VideoRun]) -> dict:
    """Where the completing PATCH's time went, from its ``Server-Timing`` (ms): ``total`` in the
    app, of it ``worker`` (the loop and its disk threads) and ``db``; ``outside`` is the client's
    time not in the app (waiting for the worker to take the request, the transfer)."""
    timed = [run for run in runs if run.final and run.final.get("timing")]
    row: dict = {"conc": concurrency, "completions": len(timed)}
    for name in ("total", "worker", "threads", "db"):
        values = [run.final["timing"].get(name, 0.0) / 1000 for run in timed]
        row[f"{name}_p50_ms"], row[f"{name}_p99_ms"] = stats.ms(stats.p50(values)), stats.ms(stats.p99(values))
    outside = [run.completion_latency - run.final["timing"]["total"] / 1000 for run in timed]
    row["outside_p50_ms"], row["outside_p99_ms"] = stats.ms(stats.p50(outside)), stats.ms(stats.p99(outside))
    return row


def verify(ctx, runs: list[VideoRun], payload: Payload) -> dict:
    """Size and SHA-256 of every stored video: through /api/upload/status and (local) on disk."""
    checked = ok = disk_ok = 0
    problems: list[str] = []
    with requests.Session() as http:
        for run in runs:
            if run.error or run.final is None:
                continue
            checked += 1
            expected = payload.sha256(run.video_no, run.nchunks)
            try:
                body = http.get(f"{ctx.base_url}/api/upload/status", timeout=REQUEST_TIMEOUT_S,
                                params={"session_id": run.session_id, "video_id": run.video_id}).json()
            except (requests.RequestException, ValueError) as exc:
                body = {"error": str(exc)}
            if body.get("sha256") == expected and body.get("size") == run.nchunks * CHUNK:
                ok += 1
            else:
                problems.append(f"{run.video_id}: status {str(body)[:160]}")
            if ctx.local_storage:
                path = Path(ctx.data_dir) / "facial_recordings" / run.session_id / f"{run.video_id}.webm"
                if path.exists() and file_sha256(path) == expected:
                    disk_ok += 1
                else:
                    problems.append(f"{run.video_id}: file on disk missing or another SHA-256")
    failed = sum(1 for run in runs if run.error or run.final is None)
    disk_expected = checked if ctx.local_storage else 0
    return {"videos": len(runs), "failures": failed, "sha_checked": checked, "sha_ok": ok,
            "disk_sha_ok": disk_ok, "problems": problems[:10],
            "ok": failed == 0 and checked > 0 and ok == checked and disk_ok == disk_expected}


def run(ctx) -> dict:
    file_mib = 10 if ctx.quick else 100
    reps = 2 if ctx.quick else 5
    nchunks = file_mib * MIB // CHUNK
    payload = Payload()
    runner = Runner(ctx, payload)
    chunk_route = Target("chunk route", ctx.base_url, "service", ctx.service_pid)
    rows, tus_runs, first_errors, splits = [], [], [], []
    medians: dict[tuple[str, int], float | None] = {}
    try:
        for concurrency in CONCURRENCY_LEVELS:
            batches: dict[str, list[dict]] = {"chunk route": [], "tus": []}
            for rep in range(reps):
                # Interleaved, so that drift affects both alike.
                ctx.log(f"chunk route x{concurrency} {file_mib} MiB rep {rep + 1}/{reps}")
                batches["chunk route"].append(runner.batch(chunk_route, concurrency, nchunks))
                ctx.log(f"tus x{concurrency} {file_mib} MiB rep {rep + 1}/{reps}")
                result = tus_batch(runner, ctx.base_url, concurrency, nchunks)
                batches["tus"].append(result)
                tus_runs.extend(result["runs"])
            splits.append(completion_split(concurrency, [run for batch in batches["tus"] for run in batch["runs"]]))
            for name, results in batches.items():
                first_errors.extend(f"{name}: {e}" for result in results for e in result["errors"])
                row = _row(name, concurrency, nchunks, results)
                rows.append(row)
                medians[(name, concurrency)] = row["MiB/s_median"]
    finally:
        chunk_route.close()
    ctx.log("verifying stored files")
    verification = verify(ctx, tus_runs + runner.uploaded, payload)
    ratios = {conc: stats.ratio(medians.get(("tus", conc)), medians.get(("chunk route", conc)))
              for conc in CONCURRENCY_LEVELS}
    compl_p99 = {r["conc"]: r["compl_p99_ms"] for r in rows if r["target"] == "tus"}
    targets = [
        *(stats.target(f"ratio x{conc} (tus/chunk route MiB/s)", ratios[conc], f">= {RATIO_MIN}",
                       stats.at_least(ratios[conc], RATIO_MIN)) for conc in CONCURRENCY_LEVELS),
        *(stats.target(f"tus completion p99 {file_mib} MiB x{conc} (ms)", compl_p99.get(conc),
                       f"< {COMPLETION_P99_MAX_MS:.0f}", stats.below(compl_p99.get(conc), COMPLETION_P99_MAX_MS))
          for conc in CONCURRENCY_LEVELS),
        stats.target("stored files: size + SHA-256", verification["ok"], "all match", verification["ok"]),
    ]
    notes = ["completion = the request that completes a video, carrying 1 MiB on both routes "
             "(tus: its last PATCH, which moves the file into storage and writes session.json; "
             f"chunk route: its last chunk); the other PATCHes carry up to {PATCH_CHUNKS} MiB"]
    if ctx.quick:
        notes.append(f"--quick: {file_mib} MiB files, {reps} repetitions")
    notes.extend(f"error: {e}" for e in first_errors[:5])
    notes.extend(f"verify: {p}" for p in verification["problems"])
    return {
        "ratio_x1": ratios[1],
        "ratio_x4": ratios[4],
        "tables": {"throughput (MiB/s per repetition: total bytes / wall time)": rows,
                   "tus completion in the service (Server-Timing, ms)": splits,
                   "verification": [{k: v for k, v in verification.items() if k != "problems"}]},
        "targets": targets,
        "notes": notes,
    }
