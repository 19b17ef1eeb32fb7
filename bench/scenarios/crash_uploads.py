"""kill -9 during chunk uploads: no acknowledged chunk lost, no completed video corrupt.

Starts its own ``gunicorn -k gevent -w 1 wsgi:app`` on a fresh DATA_DIR (SQLite, or the
PostgreSQL database of ``--database-url``, migrated first), runs several recording-app
uploaders at once (see ``_crash_client``) and SIGKILLs the service's process group (master
and worker) at random moments, restarting it each time; the uploaders resume from
``GET /api/upload/status``. Then every acknowledged chunk must still be reported received,
every completed video stored with the SHA-256 of the bytes sent, no stray or half-written
file in the media folders and no file in the service's working folder, TMPDIR or HOME.
``--kills N`` (default 50, ``--quick`` 10); every phase is bounded in time.

Standalone: ``python -m bench.scenarios.crash_uploads [--kills N] [--database-url URL]
[--quick] [--keep-tmp]`` exits 1 on any loss or corruption; through ``python -m bench.run
crash_uploads`` the database comes from ``--env DATABASE_URL=...`` and ``--strict`` turns a
FAIL into exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench import stats
from bench.run import REPO_DIR, BenchError, GunicornServer, render, venv_python, write_result
from bench.scenarios import _crash_checks as checks
from bench.scenarios._crash_client import ServiceHandle, Uploader

UPLOADERS = 4
MAX_CHUNKS = 12
LIFE_S = (0.3, 1.5)  # a service process lives this long (uniform) before its SIGKILL
KILL_WAIT_S = 10.0
FINISH_S = 120.0  # after the last kill, for the uploaders to finish their videos
MIGRATE_TIMEOUT_S = 180.0
SEED = 20261206


@dataclass
class Options:
    kills: int
    database_url: str | None
    tmpdir: Path
    seed: int = SEED

    @property
    def kill_phase_s(self) -> float:
        """Bound of the kill phase: generous per kill (start-up included), never endless."""
        return 30.0 + 15.0 * self.kills


class CrashedService:
    """The service under test, in its own process group so one SIGKILL takes master and worker."""

    def __init__(self, opts: Options):
        self.data_dir = opts.tmpdir / "data"
        # Empty folders outside DATA_DIR: whatever appears in them was written outside it.
        self.outside = [opts.tmpdir / "cwd", opts.tmpdir / "tmp", opts.tmpdir / "home"]
        self.cwd, tmp, home = self.outside
        for folder in (self.data_dir, *self.outside):
            folder.mkdir(parents=True, exist_ok=True)
        # gunicorn's control socket would go to ~/.gunicorn, shared by every gunicorn here.
        self.env = dict(os.environ, DATA_DIR=str(self.data_dir), TMPDIR=str(tmp), HOME=str(home),
                        PYTHONPATH=str(REPO_DIR), GUNICORN_CMD_ARGS="--no-control-socket",
                        SECRET_KEY="bench-secret-key-not-for-production-use")
        if opts.database_url:
            self.env["DATABASE_URL"] = opts.database_url
        else:
            self.env.pop("DATABASE_URL", None)
        self.log_path = opts.tmpdir / "service.log"
        self.server: GunicornServer | None = None

    def migrate(self) -> None:
        cmd = [venv_python(), "-m", "flask", "--app", "wsgi", "db", "upgrade", "heads"]
        done = subprocess.run(cmd, cwd=REPO_DIR, env=self.env, capture_output=True, text=True,
                              timeout=MIGRATE_TIMEOUT_S, stdin=subprocess.DEVNULL, check=False)
        if done.returncode != 0:
            raise BenchError(f"migrations failed (exit {done.returncode}):\n"
                             + "\n".join((done.stdout + done.stderr).splitlines()[-20:]))

    def start(self) -> str:
        self.server = GunicornServer("service", "wsgi:app", self.cwd, self.env, self.log_path,
                                     venv_python())
        self.server.start()
        return self.server.url

    def kill(self) -> None:
        """SIGKILL to the whole process group we started (the master leads it)."""
        proc = self.server.proc
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=KILL_WAIT_S)
        self.server.stop()  # closes the log; nothing is left to signal

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def run_crashes(opts: Options, quick: bool, log) -> dict:
    service = CrashedService(opts)
    service.migrate()
    handle = ServiceHandle()
    finish = threading.Event()
    rng = random.Random(opts.seed)
    t0 = time.monotonic()
    kill_deadline = t0 + opts.kill_phase_s
    deadline = kill_deadline + FINISH_S
    uploaders = [Uploader(no, handle, opts.seed + no, 6 if quick else MAX_CHUNKS, 10_000, finish,
                          deadline) for no in range(UPLOADERS)]
    kills = busy_kills = 0
    try:
        handle.up(service.start())
        for uploader in uploaders:
            uploader.start()
        while kills < opts.kills and time.monotonic() < kill_deadline:
            time.sleep(rng.uniform(*LIFE_S))  # the random moment of the crash
            busy_kills += handle.in_flight > 0
            handle.down()
            service.kill()
            kills += 1
            if kills % 10 == 0:
                log(f"{kills} kills, {sum(len(u.videos) for u in uploaders)} videos begun")
            handle.up(service.start())
        finish.set()
        for uploader in uploaders:
            uploader.join(timeout=max(0.0, deadline - time.monotonic()))
        videos = [video for uploader in uploaders for video in uploader.videos]
        verdict = checks.check_videos(service.server.url, service.data_dir, videos)
    finally:
        finish.set()
        handle.down()
        service.stop()
    checks.check_files(verdict, service.data_dir, videos, service.outside)
    errors = [e for u in uploaders for e in u.errors]
    errors += [f"{v.session_id}/{v.video_id}: {e}" for v in videos for e in v.errors]
    errors += [f"{u.name} still running at the deadline" for u in uploaders if u.is_alive()]
    return report(opts, (kills, busy_kills), time.monotonic() - t0, videos, verdict, errors,
                  checks.staged_leftovers(service.data_dir))


def report(opts: Options, kill_counts: tuple[int, int], wall: float, videos, verdict, errors,
           staged: int) -> dict:
    kills, busy_kills = kill_counts
    acked = sum(len(v.acked) for v in videos)
    database = "PostgreSQL" if opts.database_url else "SQLite"
    row = {"database": database, "kills": kills, "kills mid-request": busy_kills,
           "videos": len(videos),
           "completed": verdict.completed, "acked chunks": acked,
           "requests": sum(v.requests for v in videos),
           "failed requests": sum(v.failed_requests for v in videos),
           "lost": len(verdict.lost), "corrupt": len(verdict.corrupt),
           "half-written": len(verdict.half_written), "stray files": len(verdict.stray),
           "outside DATA_DIR": len(verdict.outside), "unfinished": len(verdict.unfinished),
           "bad session.json": len(verdict.unreadable_documents),
           "stale session.json": len(verdict.stale_documents),
           "errors": len(errors), "wall s": round(wall, 1)}
    clean = not (verdict.lost or verdict.corrupt or verdict.half_written or verdict.outside
                 or verdict.unreadable_documents)
    targets = [
        stats.target("kills done", kills, f"= {opts.kills}", kills == opts.kills),
        stats.target("lost acknowledged chunks", len(verdict.lost), "0", not verdict.lost),
        stats.target("corrupt completed videos", len(verdict.corrupt), "0", not verdict.corrupt),
        stats.target("half-written files", len(verdict.half_written), "0", not verdict.half_written),
        stats.target("files outside DATA_DIR", len(verdict.outside), "0", not verdict.outside),
        stats.target("session.json not whole JSON", len(verdict.unreadable_documents), "0",
                     not verdict.unreadable_documents),
        stats.target("stray files in the media folders", len(verdict.stray), "0", not verdict.stray),
        stats.target("uploads unfinished or failed", len(verdict.unfinished) + len(errors), "0",
                     not (verdict.unfinished or errors)),
    ]
    problems = (verdict.lost + verdict.corrupt + verdict.half_written + verdict.outside
                + verdict.unreadable_documents + verdict.stray + verdict.unfinished + errors
                + verdict.stale_documents)
    notes = [f"staging folders left: {staged} (an unfinished upload's, or one of a first chunk "
             "whose request died before its commit: `flask uploads purge` removes those after "
             "UPLOAD_TTL)"] + problems[:40]
    return {"tables": {f"kill -9 during chunk uploads ({database})": [row]}, "targets": targets,
            "notes": notes, "clean": clean,
            "details": {"lost": verdict.lost, "corrupt": verdict.corrupt,
                        "half_written": verdict.half_written, "stray": verdict.stray,
                        "outside": verdict.outside, "unfinished": verdict.unfinished,
                        "unreadable_documents": verdict.unreadable_documents,
                        "stale_documents": verdict.stale_documents,
                        "errors": errors}}


def run(ctx) -> dict:
    opts = Options(kills=10 if ctx.quick else 50, database_url=ctx.env.get("DATABASE_URL"),
                   tmpdir=ctx.tmpdir / "crash_uploads")
    return run_crashes(opts, ctx.quick, ctx.log)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios.crash_uploads",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, help="SIGKILLs in total (default 50, --quick 10)")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in DATA_DIR)")
    parser.add_argument("--quick", action="store_true", help="10 kills, smaller videos")
    parser.add_argument("--keep-tmp", action="store_true", help="keep DATA_DIR and the log")
    args = parser.parse_args(argv)
    kills = args.kills if args.kills is not None else (10 if args.quick else 50)
    if kills < 1:
        parser.error("--kills must be at least 1")
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-crash-"))
    try:
        figures = run_crashes(Options(kills, args.database_url, tmpdir), args.quick,
                              lambda message: print(f"  .. {message}", flush=True))
    except BenchError as exc:
        print(f"crash_uploads: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep_tmp:
            print(f"kept {tmpdir}")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)
    print(render("crash_uploads", figures), flush=True)
    print(f"results: {write_result('crash_uploads', {'figures': figures})}")
    return 0 if figures["clean"] else 1


if __name__ == "__main__":
    sys.exit(main())
