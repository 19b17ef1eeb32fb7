"""Where requirements-stt.txt is not installed, the service starts all the same and says so:
one warning naming what is missing, the worker runs as ``none``, ``stt enqueue`` refuses.

The packages are hidden from the subprocesses by a ``sitecustomize`` that makes their import
fail, as on a machine without them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import AWS_ENV
from tests.stt.conftest import FIXTURES, ROOT
from tests.worker_process import WorkerProcess

HIDE_PACKAGES = '''
import sys

class HideSttPackages:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("faster_whisper", "ctranslate2"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, HideSttPackages())
'''
MISSING = "STT_ENGINE=local but faster_whisper, ctranslate2 not installed: transcription is off"


@pytest.fixture
def env_without_stt(app_settings, tmp_path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(HIDE_PACKAGES)
    env = {**os.environ, **AWS_ENV, **app_settings, "STT_ENGINE": "local", "LOG_LEVEL": "info",
           "PYTHONPATH": str(site), "ENV_FILE": str(tmp_path / "no.env")}
    env.pop("REDIS_URL", None)
    return env


def test_the_web_process_starts_and_says_transcription_is_off(live_server_factory,
                                                            env_without_stt):
    server = live_server_factory({"STT_ENGINE": "local",
                                  "PYTHONPATH": env_without_stt["PYTHONPATH"]})
    assert MISSING in server.log_text()


def test_the_worker_runs_as_none_and_enqueue_refuses(env_without_stt, tmp_path):
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "stt"]
    worker = WorkerProcess([*flask, "worker", "--idle-exit"], env_without_stt,
                           tmp_path / "worker.log")
    assert worker.wait(timeout=120) == 0
    log = worker.log_path.read_text()
    assert MISSING in log
    assert "no engine (STT_ENGINE=local without requirements-stt.txt)" in log
    enqueue = subprocess.run([*flask, "enqueue", str(FIXTURES / "speech.wav")], cwd=ROOT,
                             env=env_without_stt, capture_output=True, text=True, timeout=120)
    assert enqueue.returncode == 1
    assert "transcription is off here (STT_ENGINE=local, running as none)" in enqueue.stderr
