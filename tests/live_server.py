"""Real gunicorn gevent processes for tests, on a socket the test opened (no port race, no
polling: requests queue on the listening socket until the worker accepts them)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


class LiveServer:
    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 1):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        fd = self.listener.fileno()
        self._log = open(log_path, "ab")  # noqa: SIM115 (open for the process lifetime; closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", str(workers),
             "-b", f"fd://{fd}", "--graceful-timeout", "5", "wsgi:app"],
            cwd=ROOT, env=env, pass_fds=(fd,), stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        # Only gunicorn keeps the socket: if it dies, clients are refused instead of queued.
        self.listener.close()

    def wait_ready(self, timeout: float = 60) -> None:
        """The first request waits in the socket's backlog until the app is loaded."""
        try:
            response = requests.get(self.base_url + "/livez", timeout=timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise RuntimeError(f"gunicorn did not start: {exc}\n{self.log_text()[-3000:]}") from None

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")
