"""Run a ``flask`` command as a person does, on a terminal (a pseudo-terminal), for tests of
what the CLI shows there."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_on_terminal(args: list[str], env: dict[str, str], timeout: float = 120) -> str:
    """Run ``flask --app wsgi ARGS`` with stdout and stderr on a pseudo-terminal; its output."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                               env=env, stdin=subprocess.DEVNULL, stdout=secondary,
                               stderr=secondary)
    os.close(secondary)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], deadline - time.monotonic())
        try:
            chunk = os.read(primary, 65536) if ready else b""
        except OSError:  # the terminal closed: the process is done
            chunk = b""
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(timeout=30) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")
