"""``flask stt worker`` subprocesses for tests, read line by line so a test can wait for a
line instead of guessing how long start-up takes."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class WorkerProcess:
    """A ``flask stt worker`` subprocess whose output goes to ``log_path`` line by line, so a
    test can wait for a line (``wait_for``) instead of guessing how long start-up takes."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        with self.log_path.open("w") as log, self.popen.stdout:
            for line in self.popen.stdout:
                log.write(line)
                log.flush()
                with self.changed:
                    self.lines.append(line)
                    self.changed.notify_all()

    def wait_for(self, text: str, timeout: float = 60) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: any(text in line for line in self.lines), timeout):
                raise AssertionError(f"no line with {text!r} in:\n{''.join(self.lines)[-3000:]}")

    def wait(self, timeout: float) -> int:
        code = self.popen.wait(timeout=timeout)
        self.reader.join(timeout=timeout)
        return code

    def send_signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.wait(timeout=30)
