"""iPhone recording round trip: initiate + presigned upload of a 2 MiB m4a + complete (local and moto-S3).

As the iPhone app does it: ``POST /api/v1/recordings/upload/initiate``,
a multipart POST of every ``upload_fields`` entry then the file part ``file`` to ``upload_url``
(the service's ``/storage/upload`` on the local backend, moto's S3 server otherwise), then
``POST /api/v1/recordings/upload/complete/<id>``. 50 round trips one at a time and 50 with 8
concurrent users (``--quick``: 10 and 16), per backend: p50/p99 of each step and the worker's
RSS. Then an upload-only run (pre-initiated recordings, 1 and 8 at once) against the same
multipart bodies sent to the ceiling app's ``/sink-multipart``. Every recording is then checked
(status ``uploaded``, size 2 MiB) and one is downloaded back and compared.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import uuid

import requests
from urllib3 import encode_multipart_formdata

from bench import stats
from bench.procs import free_port
from facial_backend.perf import server_timing

MIB = stats.MIB
FILE_BYTES = 2 * MIB
USERS = 8
TIMEOUT_S = 60.0
PHASE_DEADLINE_S = 180.0
GOAL_MS = 20.0
RATIO_MIN = 0.6
PASSWORD = "bench-recordings"
SERVER_STEPS = ("initiate", "upload", "complete")
AWS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
       "AWS_EC2_METADATA_DISABLED": "true"}
_MOTO_KEEPING_CONNECTIONS = """
import sys
from werkzeug.serving import WSGIRequestHandler
WSGIRequestHandler.protocol_version = "HTTP/1.1"
from moto.server import main
main(sys.argv[1:])
"""
"""moto's S3 server, keeping connections alive as S3 does (its development server closes each
one after the response unless it speaks HTTP/1.1)."""
_CREATE_USERS = """
import sys
from wsgi import app
from facial_backend.services.shared.users import create_user, get_by_username
with app.app_context():
    for name in sys.argv[2:]:
        if get_by_username(name) is None:
            create_user(name, sys.argv[1], "recorder")
"""


def _users(ctx) -> list[tuple[str, str]]:
    if not ctx.owns_service:
        name, password = os.environ.get("BENCH_USER"), os.environ.get("BENCH_PASSWORD")
        if not (name and password):
            raise RuntimeError("with --base-url, set BENCH_USER and BENCH_PASSWORD (a recorder user)")
        return [(name, password)] * USERS
    names = [f"bench-rec-{i}" for i in range(USERS)]
    done = subprocess.run([ctx.python, "-c", _CREATE_USERS, PASSWORD, *names], cwd=ctx.service_dir,
                          env={**os.environ, **ctx.env}, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"could not create the bench users: {done.stderr[-2000:]}")
    return [(name, PASSWORD) for name in names]


class Phone:
    """One user's keep-alive session with the service (and a second one for uploads)."""

    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url
        self.api = requests.Session()
        self.storage = requests.Session()
        token = self.api.post(f"{base_url}/api/v1/auth/token", timeout=TIMEOUT_S,
                              data={"username": username, "password": password})
        if token.status_code != 200:
            raise RuntimeError(f"token for {username}: HTTP {token.status_code} {token.text[:200]}")
        self.api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        self.timings: dict[str, list[dict[str, float]]] = {step: [] for step in SERVER_STEPS}
        """Per step, each response's ``Server-Timing`` metrics (ms): ``worker`` is the service's
        own time (not the time it waited for other requests, the client or S3), ``total`` its
        whole time."""

    def _own_time(self, step: str, response) -> None:
        self.timings[step].append(server_timing.parse(response.headers["Server-Timing"]))

    def initiate(self) -> dict:
        response = self.api.post(f"{self.base_url}/api/v1/recordings/upload/initiate", timeout=TIMEOUT_S,
                                 json={"appointment_id": str(uuid.uuid4()), "filename": "visit.m4a",
                                       "content_type": "audio/m4a", "estimated_duration_seconds": 65.0})
        _expect(response, 200, "initiate")
        self._own_time("initiate", response)
        return response.json()

    def upload(self, url: str, fields: dict, data: bytes) -> None:
        body, content_type = encode_multipart_formdata([*fields.items(), ("file", ("visit.m4a", data, "audio/m4a"))])
        response = self.storage.post(url, data=body, headers={"Content-Type": content_type}, timeout=TIMEOUT_S)
        _expect(response, (200, 204), "upload")
        if "Server-Timing" in response.headers:
            self._own_time("upload", response)

    def complete(self, recording_id: str) -> None:
        response = self.api.post(f"{self.base_url}/api/v1/recordings/upload/complete/{recording_id}",
                                 json={"file_size_bytes": FILE_BYTES, "duration_seconds": 65.0,
                                       "recording_metadata": {"device_model": "bench"}}, timeout=TIMEOUT_S)
        _expect(response, 200, "complete")
        self._own_time("complete", response)

    def close(self) -> None:
        self.api.close()
        self.storage.close()


def _expect(response, status, step: str) -> None:
    if response.status_code not in (status if isinstance(status, tuple) else (status,)):
        raise RuntimeError(f"{step}: HTTP {response.status_code} {response.text[:200]}")


def _in_threads(phones: list[Phone], concurrency: int, total: int, work) -> tuple[float, list[str]]:
    """Run ``work(phone, n)`` ``total`` times over ``concurrency`` threads; (wall s, errors)."""
    counter = iter(range(total))
    lock = threading.Lock()
    errors: list[str] = []
    deadline = time.monotonic() + PHASE_DEADLINE_S

    def loop(phone: Phone) -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            try:
                work(phone, n)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
    threads = [threading.Thread(target=loop, args=(phones[i],), daemon=True) for i in range(concurrency)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PHASE_DEADLINE_S + TIMEOUT_S)
    return time.perf_counter() - t0, errors


def _timed(samples: dict[str, list[float]], step: str, call, *args):
    t0 = time.perf_counter()
    result = call(*args)
    samples[step].append(time.perf_counter() - t0)
    return result


def roundtrips(phones, data: bytes, concurrency: int, total: int, done: list) -> dict:
    samples: dict[str, list[float]] = {"initiate": [], "upload": [], "complete": []}

    def once(phone: Phone, _n: int) -> None:
        started = _timed(samples, "initiate", phone.initiate)
        _timed(samples, "upload", phone.upload, started["upload_url"], started["upload_fields"], data)
        _timed(samples, "complete", phone.complete, started["recording_id"])
        done.append((phone, started["recording_id"]))
    for phone in phones:
        phone.timings = {step: [] for step in SERVER_STEPS}
    wall, errors = _in_threads(phones, concurrency, total, once)

    def seconds(metric: str) -> dict[str, list[float]]:
        return {step: [timing[metric] / 1000 for phone in phones for timing in phone.timings[step]]
                for step in SERVER_STEPS}
    return {"samples": samples, "server": seconds("worker"), "server_total": seconds("total"),
            "wall_s": wall, "errors": errors}


def upload_throughput(phones, data: bytes, concurrency: int, total: int, ceiling_url: str,
                      done: list) -> dict:
    """MiB/s of uploads only (pre-initiated), and of the same bodies to the ceiling's sink."""
    started = [phones[n % concurrency].initiate() for n in range(total)]
    wall, errors = _in_threads(phones, concurrency, total, lambda phone, n: phone.upload(
        started[n]["upload_url"], started[n]["upload_fields"], data))
    ceiling_wall, ceiling_errors = _in_threads(phones, concurrency, total, lambda phone, n: phone.upload(
        f"{ceiling_url}/sink-multipart", started[n]["upload_fields"], data))
    _, complete_errors = _in_threads(phones, concurrency, total, lambda _phone, n: phones[n % concurrency]
                                     .complete(started[n]["recording_id"]))
    done.extend((phones[n % concurrency], s["recording_id"]) for n, s in enumerate(started))
    return {"mib_s": stats.mib_per_s(total * len(data), wall),
            "ceiling_mib_s": stats.mib_per_s(total * len(data), ceiling_wall),
            "errors": errors + ceiling_errors + complete_errors}


def verify(done: list[tuple[Phone, str]], data: bytes) -> list[str]:
    """Every recording uploaded with the right size; the last one downloaded back intact."""
    problems = []
    for phone, recording_id in done[:1000]:
        got = phone.api.get(f"{phone.base_url}/api/v1/recordings/{recording_id}", timeout=TIMEOUT_S).json()
        if got.get("status") != "uploaded" or got.get("file_size_bytes") != FILE_BYTES:
            problems.append(f"{recording_id}: {str(got)[:160]}")
    if done:
        phone, recording_id = done[-1]
        link = phone.api.get(f"{phone.base_url}/api/v1/recordings/{recording_id}/download-url",
                             timeout=TIMEOUT_S).json()
        if requests.get(link.get("download_url", ""), timeout=TIMEOUT_S).content != data:
            problems.append(f"{recording_id}: downloaded bytes differ")
    return problems


def _start_moto(ctx):
    port = free_port()
    # S3 runs on other machines in production: moto yields the CPU to the service under test.
    process = subprocess.Popen([ctx.python, "-c", _MOTO_KEEPING_CONNECTIONS, "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **AWS},
                               preexec_fn=lambda: os.nice(10))
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):  # at most ~20 s
        try:
            requests.get(url, timeout=0.2)
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("moto's S3 server did not start")


def _backend_rows(ctx, name: str, users, data: bytes, out: dict) -> None:
    n = 10 if ctx.quick else 50
    n_concurrent = 16 if ctx.quick else 50
    phones = [Phone(ctx.base_url, *user) for user in users]
    done: list[tuple[Phone, str]] = []
    ctx.reset_rss_peak()
    try:
        for concurrency, total in ((1, n), (USERS, n_concurrent)):
            ctx.log(f"{name}: {total} round trips, {concurrency} at once")
            run = roundtrips(phones, data, concurrency, total, done)
            row = {"backend": name, "conc": concurrency, "n": len(run["samples"]["complete"])}
            for step, values in run["samples"].items():
                row[f"{step}_p50_ms"] = stats.ms(stats.p50(values))
                row[f"{step}_p99_ms"] = stats.ms(stats.p99(values))
            row["upload_p99_ms_per_MiB"] = _per_mib(run["samples"]["upload"], data)
            row["errors"] = len(run["errors"])
            out["rows"].append(row)
            own, total = run["server"], run["server_total"]
            out["own"].append({"backend": name, "conc": concurrency,
                               "initiate_p50_ms": stats.ms(stats.p50(own["initiate"])),
                               "initiate_p99_ms": stats.ms(stats.p99(own["initiate"])),
                               "complete_p50_ms": stats.ms(stats.p50(own["complete"])),
                               "complete_p99_ms": stats.ms(stats.p99(own["complete"])),
                               "upload_p99_ms_per_MiB": _per_mib(own["upload"], data),
                               "total_initiate_p99_ms": stats.ms(stats.p99(total["initiate"])),
                               "total_complete_p99_ms": stats.ms(stats.p99(total["complete"])),
                               "total_upload_p99_ms_per_MiB": _per_mib(total["upload"], data)})
            out["errors"] += run["errors"]
        for concurrency in (1, USERS):
            ctx.log(f"{name}: upload throughput, {concurrency} at once")
            result = upload_throughput(phones, data, concurrency, n, ctx.ceiling_url, done)
            out["throughput"].append({"backend": name, "conc": concurrency, "MiB/s": result["mib_s"],
                                      "ceiling_MiB/s": result["ceiling_mib_s"],
                                      "ratio": stats.ratio(result["mib_s"], result["ceiling_mib_s"])})
            out["errors"] += result["errors"]
        out["rss"][name] = ctx.rss_peak_mib()
        out["problems"] += verify(done, data)
    finally:
        for phone in phones:
            phone.close()


def _per_mib(seconds: list[float], data: bytes) -> float | None:
    return stats.ms(stats.p99(seconds)) / (len(data) / MIB) if seconds else None


def _targets(out: dict) -> list[dict]:
    target = stats.target
    targets = []
    for row in (r for r in out["own"] if r["conc"] == USERS):
        keys = ["initiate_p99_ms", "complete_p99_ms"] + (["upload_p99_ms_per_MiB"] if row["backend"] == "local" else [])
        for key in keys:
            targets.append(target(f"{row['backend']} own {key} at {USERS} users", row[key], f"< {GOAL_MS} ms",
                                  stats.below(row[key], GOAL_MS)))
    for row in (r for r in out["throughput"] if r["backend"] == "local"):
        targets.append(target(f"local upload MiB/s / ceiling, {row['conc']} at once", row["ratio"],
                              f">= {RATIO_MIN}", stats.at_least(row["ratio"], RATIO_MIN)))
    targets.append(target("errors and verification problems", len(out["errors"]) + len(out["problems"]),
                          "0", not out["errors"] and not out["problems"]))
    return targets


def run(ctx) -> dict:
    data = random.Random(3).randbytes(FILE_BYTES)
    users = _users(ctx)
    out = {"rows": [], "own": [], "throughput": [], "rss": {}, "errors": [], "problems": []}
    started_on_s3 = ctx.env.get("STORAGE_BACKEND", "local") == "s3"
    _backend_rows(ctx, "s3" if started_on_s3 else "local", users, data, out)
    if ctx.owns_service and not started_on_s3:
        moto, endpoint = _start_moto(ctx)
        saved = {key: ctx.env.get(key) for key in ("STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET",
                                                    "S3_CREATE_BUCKET", *AWS)}
        try:
            ctx.restart_service({"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": "bench-rec",
                                 "S3_CREATE_BUCKET": "true", **AWS})
            _backend_rows(ctx, "s3", users, data, out)
        finally:
            moto.terminate()
            moto.wait(timeout=10)
            ctx.restart_service(saved)
    return {
        "tables": {"round trips, client side (ms)": out["rows"], "the service's own share (ms)": out["own"],
                   "upload throughput": out["throughput"]},
        "worker RSS peak MiB": out["rss"],
        "targets": _targets(out),
        "notes": [f"python {sys.version.split()[0]}; file {FILE_BYTES // MIB} MiB; {USERS} users",
                  "client-side times at 8 users include waiting behind the other users' 2 MiB uploads "
                  "on the one gevent worker; the own share is the worker metric of the service's "
                  "Server-Timing header (its time on the event loop and in its own disk threads), total_* "
                  "its whole time from request to response"]
                 + out["errors"][:5] + out["problems"][:5],
    }
