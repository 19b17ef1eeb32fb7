"""The README's examples run as written: every ```bash block, in order, in one bash with
``set -euo pipefail``, against a live service as ``make run`` starts it (gunicorn and the
transcription worker, ``STT_ENGINE=local``) on a free port and a fresh data folder.

Blocks marked ```sh start the service or run until stopped; they are shown, not run here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from facial_backend.stt.engines import missing_local_packages
from tests.conftest import AWS_ENV

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


def test_the_readme_examples_run(live_server_factory, worker_process, app_settings, tmp_path):
    missing_tools = [tool for tool in TOOLS if shutil.which(tool) is None]
    assert not missing_tools, f"install {', '.join(missing_tools)} (the README lists them)"
    if missing_local_packages():
        pytest.skip("the transcription example needs requirements-stt.txt (make install-stt)")
    engine = {"STT_ENGINE": "local", "ENV_FILE": str(tmp_path / "no.env")}
    server = live_server_factory(engine)
    worker = worker_process(engine)
    worker.wait_for("no job due, waiting", timeout=120)
    env = {**os.environ, **AWS_ENV, **app_settings, **engine, "PORT": str(server.port),
           "TMPDIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    result = subprocess.run(["bash", "-c", readme_script()], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (f"a README command failed (exit {result.returncode}):\n"
                                    f"{result.stderr[-3000:]}\n--- stdout:\n{result.stdout[-3000:]}")
    assert '"status": "transcribed"' in result.stdout
    assert "meeting notes" in result.stdout.lower()
