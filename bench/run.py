"""Benchmark runner: ``python -m bench.run [scenario ...] [--base-url URL] [--quick]``.

Without ``--base-url`` the runner starts the service itself (temporary DATA_DIR, migrations,
``gunicorn -k gevent -w 1 wsgi:app`` on a free loopback port) and stops it at the end. It
always starts the "ceiling" app (bench/ceiling_app.py) with the same gunicorn command on
another free port. Scenarios are the modules in bench/scenarios/ (found by file name); each
exposes ``run(ctx) -> dict``. Results: a table per scenario on stdout and a JSON file
``bench/results/<scenario>-<UTC stamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

import psutil
import requests

from bench.procs import OtherLoad, free_port, worker_pids

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
SCENARIO_DIR = BENCH_DIR / "scenarios"
RESULTS_DIR = BENCH_DIR / "results"

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
MIGRATE_TIMEOUT_S = 180.0
RSS_INTERVAL_S = 0.05


class BenchError(RuntimeError):
    """A problem that stops the run, with a message meant for people."""


# --------------------------------------------------------------------------- helpers


def venv_python() -> str:
    candidate = REPO_DIR / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def utc_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


_SECRET_KEY_RE = re.compile(r"SECRET|PASSWORD|TOKEN|CREDENTIAL|ACCESS_KEY", re.I)


def redact_env(env: dict) -> dict:
    """Env for the JSON report: secrets masked, credentials stripped from URLs."""
    out = {}
    for key, value in env.items():
        if _SECRET_KEY_RE.search(key):
            out[key] = "***"
        else:
            out[key] = re.sub(r"//[^/@]*@", "//***@", str(value))
    return out


def discover_scenarios() -> dict[str, Path]:
    return {
        path.stem: path
        for path in sorted(SCENARIO_DIR.glob("*.py"))
        if not path.stem.startswith("_")
    }


def scenario_summary(name: str) -> str:
    try:
        module = importlib.import_module(f"bench.scenarios.{name}")
    except Exception as exc:  # noqa: BLE001 - listing must not die on one broken file
        return f"(cannot import: {exc})"
    doc = (module.__doc__ or "").strip().splitlines()
    return doc[0] if doc else ""


# --------------------------------------------------------------------------- processes


class RssSampler:
    """Samples VmRSS of a gunicorn master's workers every 50 ms in a background thread."""

    MAX_SAMPLES = int(24 * 3600 / RSS_INTERVAL_S)

    def __init__(self, master_pid: int):
        self.master_pid = master_pid
        self._lock = threading.Lock()
        self._current: float | None = None
        self._peak: float | None = None
        self._stop = threading.Event()
        self._pids: list[int] = []
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def start(self) -> RssSampler:
        self._refresh_pids()
        self._sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def worker_pids(self) -> list[int]:
        return list(self._pids)

    def _refresh_pids(self) -> None:
        # A bare process (no gunicorn workers) is measured itself.
        self._pids = worker_pids(self.master_pid) or [self.master_pid]

    @staticmethod
    def _vmrss_kib(pid: int) -> int | None:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            return None
        return None

    def _sample(self) -> None:
        values = [self._vmrss_kib(pid) for pid in self._pids]
        if any(v is None for v in values):
            self._refresh_pids()  # a worker was replaced; pick the new one next time
            values = [self._vmrss_kib(pid) for pid in self._pids]
        known = [v for v in values if v is not None]
        if not known:
            return
        mib = sum(known) / 1024.0
        with self._lock:
            self._current = mib
            if self._peak is None or mib > self._peak:
                self._peak = mib

    def _loop(self) -> None:
        count = 0
        while count < self.MAX_SAMPLES and not self._stop.wait(RSS_INTERVAL_S):
            count += 1
            if count % 20 == 0:
                self._refresh_pids()
            self._sample()

    def current_mib(self) -> float | None:
        self._sample()
        with self._lock:
            return self._current

    def peak_mib(self) -> float | None:
        with self._lock:
            return self._peak

    def reset_peak(self) -> None:
        with self._lock:
            self._peak = self._current


class GunicornServer:
    """One ``gunicorn -k gevent -w 1`` process serving ``app_spec`` from ``cwd``."""

    def __init__(self, name: str, app_spec: str, cwd: Path, env: dict, log_path: Path,
                 python: str):
        self.name = name
        self.app_spec = app_spec
        self.cwd = cwd
        self.env = env
        self.log_path = log_path
        self.python = python
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._log_fh = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self) -> None:
        self.port = free_port()
        cmd = [self.python, "-m", "gunicorn", "-k", "gevent", "-w", "1",
               "-b", f"127.0.0.1:{self.port}", self.app_spec]
        self._log_fh = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._log_fh.write(f"\n=== {' '.join(cmd)} (cwd {self.cwd})\n".encode())
        self._log_fh.flush()
        self.proc = subprocess.Popen(
            cmd, cwd=self.cwd, env=self.env, stdout=self._log_fh, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        last_error = "no answer"
        with requests.Session() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise BenchError(
                        f"{self.name} exited with code {self.proc.returncode} before it was "
                        f"ready; log {self.log_path}:\n{log_tail(self.log_path)}")
                try:
                    resp = http.get(f"{self.url}/livez", timeout=2)
                    if resp.status_code == 200:
                        return
                    last_error = f"GET /livez -> {resp.status_code}"
                except requests.RequestException as exc:
                    last_error = type(exc).__name__
                time.sleep(0.1)
        self.stop()
        raise BenchError(
            f"{self.name} not ready within {READY_TIMEOUT_S:.0f} s ({last_error}); "
            f"log {self.log_path}:\n{log_tail(self.log_path)}")

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            children = []
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT_S)
        for child in children:  # workers we started, by pid
            try:
                if child.is_running():
                    child.kill()
            except psutil.Error:
                pass
        if self._log_fh:
            self._log_fh.close()
            self._log_fh = None


# --------------------------------------------------------------------------- context


class Context:
    """What a scenario gets: URLs, the service's pid and RSS, options, and helpers."""

    def __init__(self, args, tmpdir: Path):
        self.quick: bool = args.quick
        self.tmpdir: Path = tmpdir
        self.repo_dir: Path = REPO_DIR
        self.bench_dir: Path = BENCH_DIR
        self.service_dir: Path = Path(args.service_dir).resolve()
        self.python: str = venv_python()
        self.cpu_count: int = os.cpu_count() or 1
        self.base_url: str | None = args.base_url.rstrip("/") if args.base_url else None
        self.owns_service: bool = self.base_url is None
        self.ceiling_url: str | None = None
        self.env: dict[str, str] = {}
        self.data_dir: Path | None = Path(args.data_dir) if args.data_dir else None
        self._external_pid: int | None = args.service_pid
        self._service: GunicornServer | None = None
        self._ceiling: GunicornServer | None = None
        self._sampler: RssSampler | None = None
        if self.owns_service:
            self.data_dir = tmpdir / "data"
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.env = {"DATA_DIR": str(self.data_dir), "SECRET_KEY": "bench-secret-key-not-for-production-use"}
        for item in args.env or []:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise BenchError(f"--env wants KEY=VALUE, got {item!r}")
            self.env[key] = value

    # ---- service lifecycle
    @property
    def service_pid(self) -> int | None:
        if self._service is not None:
            return self._service.pid
        return self._external_pid

    @property
    def ceiling_pid(self) -> int | None:
        return self._ceiling.pid if self._ceiling else None

    @property
    def service_log(self) -> Path | None:
        return self._service.log_path if self._service else None

    @property
    def local_storage(self) -> bool:
        """True when stored files can be read from ``data_dir`` (local storage backend)."""
        if self.data_dir is None:
            return False
        backend = self.env.get("STORAGE_BACKEND", "local").lower()
        return backend in ("", "local") and not self.env.get("S3_BUCKET")

    def _process_env(self) -> dict:
        env = dict(os.environ)
        env.update(self.env)
        return {k: v for k, v in env.items() if v is not None}

    def _migrate(self) -> None:
        if not (self.service_dir / "wsgi.py").exists():
            raise BenchError(
                f"the service is not there yet: no wsgi.py in {self.service_dir}")
        cmd = [self.python, "-m", "flask", "--app", "wsgi", "db", "upgrade", "heads"]
        try:
            done = subprocess.run(
                cmd, cwd=self.service_dir, env=self._process_env(), capture_output=True,
                text=True, timeout=MIGRATE_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"migrations did not finish in {MIGRATE_TIMEOUT_S:.0f} s: "
                             f"{' '.join(cmd)}") from exc
        if done.returncode != 0:
            output = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
            raise BenchError(
                f"migrations failed (exit {done.returncode}); the app is probably not ready "
                f"yet.\n  command: {' '.join(cmd)}\n  cwd: {self.service_dir}\n{output}")

    def _start_service(self) -> None:
        self._migrate()
        self._service = GunicornServer(
            "service", "wsgi:app", self.service_dir, self._process_env(),
            self.tmpdir / "service.log", self.python)
        self._service.start()
        self.base_url = self._service.url
        self._start_sampler()

    def _start_sampler(self) -> None:
        if self._sampler:
            self._sampler.stop()
            self._sampler = None
        pid = self.service_pid
        if pid is not None and psutil.pid_exists(pid):
            self._sampler = RssSampler(pid).start()

    def start(self) -> None:
        if self.owns_service:
            self._start_service()
        else:
            self._start_sampler()
        self._ceiling = GunicornServer(
            "ceiling", "ceiling_app:app", BENCH_DIR, dict(os.environ),
            self.tmpdir / "ceiling.log", self.python)
        self._ceiling.start()
        self.ceiling_url = self._ceiling.url

    def restart_service(self, extra_env: dict | None = None) -> str:
        """Stop the service, merge ``extra_env`` (None values remove a key), migrate, start.

        Returns the new base URL (also in ``ctx.base_url``)."""
        if not self.owns_service:
            raise BenchError("restart_service() needs a service started by the runner "
                             "(no --base-url)")
        if self._sampler:
            self._sampler.stop()
            self._sampler = None
        if self._service:
            self._service.stop()
        for key, value in (extra_env or {}).items():
            if value is None:
                self.env.pop(key, None)
            else:
                self.env[key] = str(value)
        self._start_service()
        return self.base_url

    def close(self) -> None:
        if self._sampler:
            self._sampler.stop()
        for server in (self._service, self._ceiling):
            if server:
                server.stop()

    # ---- RSS of the service's worker process(es)
    def rss_mib(self) -> float | None:
        return self._sampler.current_mib() if self._sampler else None

    def rss_peak_mib(self) -> float | None:
        return self._sampler.peak_mib() if self._sampler else None

    def reset_rss_peak(self) -> None:
        if self._sampler:
            self._sampler.reset_peak()

    def service_worker_pids(self) -> list[int]:
        return self._sampler.worker_pids() if self._sampler else []

    # ---- misc
    def log(self, message: str) -> None:
        print(f"  .. {message}", flush=True)


# --------------------------------------------------------------------------- output


def fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        if abs(value) >= 100:
            return f"{value:,.1f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def render_table(rows: list[dict]) -> str:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    cells = [[fmt(row.get(col)) for col in columns] for row in rows]
    widths = [max([len(col)] + [len(r[i]) for r in cells]) for i, col in enumerate(columns)]

    def line(values):
        return "  ".join(v.rjust(w) if i else v.ljust(w)
                         for i, (v, w) in enumerate(zip(values, widths, strict=True)))

    out = [line(columns), line(["-" * w for w in widths])]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def render(name: str, figures: dict) -> str:
    """Human-readable report. Known keys: ``tables`` {title: [row dicts]}, ``targets``
    [{target, value, goal, result}], ``notes`` [str], ``details`` (JSON file only);
    anything else is printed key: value."""
    out = [f"== {name} " + "=" * max(0, 70 - len(name))]
    scalars = {k: v for k, v in figures.items()
               if k not in ("tables", "targets", "notes", "details")}
    if scalars:
        width = max(len(k) for k in scalars)
        out.extend(f"{k.ljust(width)}  {fmt(v)}" for k, v in scalars.items())
    for title, rows in (figures.get("tables") or {}).items():
        out.append("")
        out.append(f"-- {title}")
        out.append(render_table(rows) if rows else "(no rows)")
    if figures.get("targets"):
        out.append("")
        out.append("-- targets")
        out.append(render_table(figures["targets"]))
    for note in figures.get("notes") or []:
        out.append(f"note: {note}")
    return "\n".join(out)


def write_result(name: str, record: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}-{utc_stamp()}.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


# --------------------------------------------------------------------------- main


def parse_args(argv=None):
    available = discover_scenarios()
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="scenarios: " + ", ".join(available))
    parser.add_argument("scenarios", nargs="*", metavar="scenario",
                        help="scenario names (default: all)")
    parser.add_argument("--base-url", help="benchmark a running service instead of "
                        "starting one")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--env", action="append", metavar="KEY=VALUE",
                        help="extra environment for the service (repeatable)")
    parser.add_argument("--service-dir", default=str(REPO_DIR),
                        help="directory holding wsgi.py (default: the repo)")
    parser.add_argument("--service-pid", type=int,
                        help="with --base-url: gunicorn master pid, to sample its RSS")
    parser.add_argument("--data-dir", help="with --base-url: the service's DATA_DIR, to "
                        "verify stored files")
    parser.add_argument("--keep-tmp", action="store_true",
                        help="keep the temporary directory (data, logs)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target FAILs (errors always exit 1)")
    parser.add_argument("--list", action="store_true", help="list scenarios and exit")
    args = parser.parse_args(argv)
    unknown = [s for s in args.scenarios if s not in available]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; "
                     f"available: {', '.join(available)}")
    return args, available


def main(argv=None) -> int:
    args, available = parse_args(argv)
    if args.list:
        for name in available:
            print(f"{name:20s} {scenario_summary(name)}")
        return 0
    names = args.scenarios or list(available)
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-"))
    ctx = Context(args, tmpdir)
    status = 0
    try:
        try:
            ctx.start()
        except BenchError as exc:
            print(f"bench: cannot start: {exc}", file=sys.stderr)
            return 2
        print(f"service {ctx.base_url} (pid {ctx.service_pid or '-'}), "
              f"ceiling {ctx.ceiling_url}, tmp {tmpdir}, quick={args.quick}", flush=True)
        for name in names:
            status = max(status, run_one(name, ctx, args))
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        status = 130
    finally:
        ctx.close()
        if args.keep_tmp:
            print(f"kept {tmpdir}")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return status


def run_one(name: str, ctx: Context, args) -> int:
    print(f"\n>> {name}", flush=True)
    started = dt.datetime.now(dt.UTC)
    t0 = time.monotonic()
    record = {
        "scenario": name,
        "started_at": started.isoformat(),
        "quick": ctx.quick,
        "base_url": ctx.base_url,
        "ceiling_url": ctx.ceiling_url,
        "owns_service": ctx.owns_service,
        "service_env": redact_env(ctx.env),
        "host": {"cpus": ctx.cpu_count, "python": platform.python_version(),
                 "platform": platform.platform(), "loadavg_start": os.getloadavg()},
    }
    busy = os.getloadavg()[0]
    if busy > 0.5 * ctx.cpu_count:
        print(f"  !! host load average {busy:.2f} on {ctx.cpu_count} CPUs before the run: "
              "other processes compete for the CPU, figures will be noisy", flush=True)
    code = 0
    other_load = OtherLoad().start()
    try:
        module = importlib.import_module(f"bench.scenarios.{name}")
        figures = module.run(ctx)
        record["figures"] = figures
        print(render(name, figures), flush=True)
        if args.strict and any(t.get("result") == "FAIL" for t in figures.get("targets", [])):
            code = 1
    except BenchError as exc:
        record["error"] = str(exc)
        print(f"bench: {name} failed: {exc}", file=sys.stderr, flush=True)
        code = 1
    except Exception as exc:  # noqa: BLE001 - report and go on with the next scenario
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc()
        traceback.print_exc()
        if ctx.service_log:
            print(f"service log tail ({ctx.service_log}):\n{log_tail(ctx.service_log)}",
                  file=sys.stderr)
        code = 1
    record["duration_s"] = round(time.monotonic() - t0, 3)
    record["host"]["loadavg_end"] = os.getloadavg()
    other = other_load.stop()
    record["host"]["other_processes_cpu_pct"] = other
    if other is not None:
        print(f"other processes on the host used {other:.0f}% CPU (100 = one core of "
              f"{ctx.cpu_count}) during {name}" + ("  !! figures disturbed" if other > 20 else ""),
              flush=True)
    path = write_result(name, record)
    print(f"results: {path.relative_to(REPO_DIR)}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
