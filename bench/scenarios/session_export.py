"""Session export: the zip of a session holding 1 GiB of video against reading the same files.

Uploads 4 videos of 256 MiB (``--quick``: 4 x 16 MiB) into one recording-app session with the
app's chunk protocol, signs an operator in, then alternates REPS times: reading every video
through its signed media link (the yardstick: the same bytes through the same service, Range-
capable GETs as a player makes them) and ``GET /api/sessions/<id>/export.zip``. The client reads
1 MiB pieces and drops them. Figures: MiB/s of each (medians), worker RSS growth during each
export (peak minus the RSS before it). Then one export is saved and checked: the zip's CRCs,
and the manifest's SHA-256 of every video against the one computed on the client.
Targets: RSS growth under 32 MiB; export MiB/s at least 0.7 x the read MiB/s.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import zipfile

import requests

from bench import stats
from bench.scenarios.chunk_upload import Payload, VideoRun, upload_video

MIB = stats.MIB
VIDEOS = 4
VIDEO_MIB, QUICK_VIDEO_MIB = 256, 16
REPS, QUICK_REPS = 3, 2
TIMEOUT_S = 120.0
DEADLINE_S = 900.0
RSS_GROWTH_MAX_MIB = 32.0
RATIO_MIN = 0.7
OPERATOR = ("bench-exporter", "bench-exporter-password")
_CREATE_OPERATOR = """
import sys
from wsgi import app
from facial_backend.services.shared.users import create_user, get_by_username
with app.app_context():
    if get_by_username(sys.argv[1]) is None:
        create_user(sys.argv[1], sys.argv[2], "operator")
"""


def _operator(ctx) -> tuple[str, str]:
    if not ctx.owns_service:
        name, password = os.environ.get("BENCH_OPERATOR"), os.environ.get("BENCH_PASSWORD")
        if not (name and password):
            raise RuntimeError("with --base-url, set BENCH_OPERATOR and BENCH_PASSWORD (an operator user)")
        return name, password
    done = subprocess.run([ctx.python, "-c", _CREATE_OPERATOR, *OPERATOR], cwd=ctx.service_dir,
                          env={**os.environ, **ctx.env}, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"could not create the bench operator: {done.stderr[-2000:]}")
    return OPERATOR


def _sign_in(base_url: str, username: str, password: str) -> requests.Session:
    http = requests.Session()
    token = http.post(f"{base_url}/api/v1/auth/token", data={"username": username, "password": password},
                      timeout=TIMEOUT_S)
    if token.status_code != 200:
        raise RuntimeError(f"operator token: HTTP {token.status_code} {token.text[:200]}")
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return http


def _read(http: requests.Session, url: str, deadline: float, sink=None) -> tuple[int, float]:
    """GET ``url`` to the end in 1 MiB pieces: (bytes, seconds)."""
    started, total = time.perf_counter(), 0
    with http.get(url, stream=True, timeout=TIMEOUT_S) as response:
        if response.status_code != 200:
            raise RuntimeError(f"GET {url[:120]}: HTTP {response.status_code} {response.text[:200]}")
        while piece := response.raw.read(MIB, decode_content=False):
            total += len(piece)
            if sink is not None:
                sink.write(piece)
            if time.monotonic() > deadline:
                raise RuntimeError("deadline passed while reading")
    return total, time.perf_counter() - started


def _upload(ctx, payload: Payload, nchunks: int, deadline: float) -> str:
    http = requests.Session()
    created = http.post(f"{ctx.base_url}/api/session/create", json={}, timeout=TIMEOUT_S)
    if created.status_code != 201:
        raise RuntimeError(f"session create: HTTP {created.status_code} {created.text[:200]}")
    session_id = created.json()["session_id"]
    for video_no in range(VIDEOS):
        run = VideoRun(video_no, f"export_{video_no}", session_id, nchunks)
        upload_video(http, f"{ctx.base_url}/api/upload/chunk", run, payload, deadline, check_service=True)
        if run.error:
            raise RuntimeError(f"upload of video {video_no}: {run.error}")
    return session_id


def _read_videos(http: requests.Session, ctx, session_id: str, deadline: float) -> tuple[int, float]:
    total, seconds = 0, 0.0
    for video_no in range(VIDEOS):
        link = http.get(f"{ctx.base_url}/api/sessions/{session_id}/media/video/export_{video_no}/link",
                        timeout=TIMEOUT_S)
        if link.status_code != 200:
            raise RuntimeError(f"media link: HTTP {link.status_code} {link.text[:200]}")
        read, took = _read(requests.Session(), link.json()["url"], deadline)
        total, seconds = total + read, seconds + took
    return total, seconds


def _export(http: requests.Session, ctx, session_id: str, deadline: float) -> dict:
    ctx.reset_rss_peak()
    before = ctx.rss_mib()
    size, seconds = _read(http, f"{ctx.base_url}/api/sessions/{session_id}/export.zip", deadline)
    peak = ctx.rss_peak_mib()
    growth = None if before is None or peak is None else max(peak - before, 0.0)
    return {"bytes": size, "seconds": seconds, "rss_before_mib": before, "rss_growth_mib": growth}


def _verify(http: requests.Session, ctx, session_id: str, payload: Payload, nchunks: int, deadline: float) -> str:
    path = ctx.tmpdir / "session-export.zip"
    try:
        with open(path, "wb") as file:
            _read(http, f"{ctx.base_url}/api/sessions/{session_id}/export.zip", deadline, sink=file)
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad is not None:
                return f"FAIL: CRC of {bad}"
            manifest = json.loads(archive.read("manifest.json"))
        digests = {entry["source"]["id"]: (entry["sha256"], entry["size"])
                   for entry in manifest["files"] if entry["role"] == "media"}
        for video_no in range(VIDEOS):
            expected = (payload.sha256(video_no, nchunks), nchunks * MIB)
            if digests.get(f"export_{video_no}") != expected:
                return f"FAIL: video {video_no} manifest {digests.get(f'export_{video_no}')} != {expected}"
        return "PASS"
    finally:
        path.unlink(missing_ok=True)


def run(ctx) -> dict:
    deadline = time.monotonic() + DEADLINE_S
    nchunks = QUICK_VIDEO_MIB if ctx.quick else VIDEO_MIB
    reps = QUICK_REPS if ctx.quick else REPS
    payload = Payload()
    ctx.log(f"uploading {VIDEOS} x {nchunks} MiB")
    session_id = _upload(ctx, payload, nchunks, deadline)
    http = _sign_in(ctx.base_url, *_operator(ctx))
    reads, exports = [], []
    for rep in range(reps):
        ctx.log(f"repetition {rep + 1}/{reps}: read, then export")
        size, seconds = _read_videos(http, ctx, session_id, deadline)
        reads.append(stats.mib_per_s(size, seconds))
        exports.append(_export(http, ctx, session_id, deadline))
    export_rates = [stats.mib_per_s(e["bytes"], e["seconds"]) for e in exports]
    growths = [e["rss_growth_mib"] for e in exports if e["rss_growth_mib"] is not None]
    read_rate, export_rate = stats.median(reads), stats.median(export_rates)
    ratio = stats.ratio(export_rate, read_rate)
    worst_growth = max(growths) if growths else None
    verified = _verify(http, ctx, session_id, payload, nchunks, deadline)
    media_mib = VIDEOS * nchunks
    rows = [{"what": "read the videos (signed links)", "MiB/s median": read_rate, "runs": [round(r, 1) for r in reads]},
            {"what": "export.zip", "MiB/s median": export_rate, "runs": [round(r, 1) for r in export_rates],
             "zip MiB": round(exports[-1]["bytes"] / MIB, 1),
             "RSS growth MiB (max)": worst_growth}]
    return {
        "tables": {f"one session, {media_mib} MiB of video": rows},
        "targets": [
            stats.target(f"worker RSS growth during an export of {media_mib} MiB", worst_growth,
                         f"< {RSS_GROWTH_MAX_MIB:g} MiB", stats.below(worst_growth, RSS_GROWTH_MAX_MIB)),
            stats.target("export MiB/s / read MiB/s", ratio, f">= {RATIO_MIN}", stats.at_least(ratio, RATIO_MIN)),
            stats.target("saved export: CRCs and manifest SHA-256 of every video", verified, "PASS",
                         verified == "PASS"),
        ],
        "notes": [f"storage: {'local' if ctx.local_storage else 'S3 / external'}; the read yardstick and the "
                  "exports alternate in one run"],
        "details": {"exports": exports, "reads_mib_s": reads},
    }
