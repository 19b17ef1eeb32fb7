"""The README's examples run as written: every ```bash block, in order, in one bash with
``set -euo pipefail``, against the service as ``make run`` starts it (the Procfile's gunicorn
and transcription worker under honcho, transcribing by default) on a free port and a fresh
data folder.

Blocks marked ```sh start the service or run until stopped; they are shown, not run here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from facial_backend.stt.engines import missing_local_packages
from tests.conftest import AWS_ENV
from tests.worker_process import WorkerProcess

ROOT = Path(__file__).resolve().parent.parent
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.DOTALL | re.MULTILINE)
TOOLS = ("bash", "curl", "jq", "split", "espeak-ng")


def readme_script() -> str:
    blocks = BASH_BLOCK.findall((ROOT / "README.md").read_text())
    assert blocks, "the README has no ```bash block"
    return "set -euo pipefail\n" + "\n".join(blocks)


def test_the_readme_lists_every_tool_its_examples_use():
    quick_start = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    for tool in TOOLS[1:]:
        assert f"`{tool}`" in quick_start, tool


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def make_run(app, app_settings, tmp_path):
    """The Procfile under honcho as ``make run`` starts it (its ENV_FILE chain, no STT_ENGINE
    of its own), on a free port; yields the port once the web answers and the worker waits.
    The users and sessions the examples make are emptied afterwards with the ``app``'s tables."""
    if missing_local_packages():
        pytest.skip("the transcription example needs requirements-stt.txt (make install-stt)")
    port = free_port()
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, **AWS_ENV, **app_settings, "HOST": "127.0.0.1",
           "ENV_FILE": f"{tmp_path / 'no.env'},deploy/make-run.env",
           "PATH": f"{venv_bin}:{os.environ['PATH']}"}
    for name in ("REDIS_URL", "STT_ENGINE", "PORT"):
        env.pop(name, None)
    honcho = WorkerProcess([str(Path(venv_bin) / "honcho"), "--env", "/dev/null", "start",
                            "--port", str(port)], env, tmp_path / "make-run.log")
    try:
        honcho.wait_for("no job due, waiting", timeout=180)
        honcho.wait_for("Booting worker", timeout=60)
        requests.get(f"http://127.0.0.1:{port}/livez", timeout=60).raise_for_status()
        yield port, honcho
    finally:
        honcho.send_signal(signal.SIGTERM)
        honcho.wait(timeout=60)


def test_the_readme_examples_run(make_run, app_settings, tmp_path):
    missing_tools = [tool for tool in TOOLS if shutil.which(tool) is None]
    assert not missing_tools, f"install {', '.join(missing_tools)} (the README lists them)"
    port, honcho = make_run
    assert "engine local" in "".join(honcho.lines)
    env = {**os.environ, **AWS_ENV, **app_settings, "PORT": str(port), "TMPDIR": str(tmp_path),
           "ENV_FILE": str(tmp_path / "no.env")}
    env.pop("REDIS_URL", None)
    result = subprocess.run(["bash", "-c", readme_script()], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (f"a README command failed (exit {result.returncode}):\n"
                                    f"{result.stderr[-3000:]}\n--- stdout:\n{result.stdout[-3000:]}")
    assert '"status": "transcribed"' in result.stdout
    assert "meeting notes" in result.stdout.lower()
