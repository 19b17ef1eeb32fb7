"""The process that serves the app (``wsgi.py``) freezes its start-up objects out of the
garbage collector's full passes with the performance layer on, and not with it off; objects
made afterwards are still collected."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import gc, weakref
import wsgi
frozen = gc.get_freeze_count()
class Cycle: pass
made = Cycle(); made.me = made; ref = weakref.ref(made); del made
gc.collect()
print(frozen, ref() is None)
"""


def _served(tmp_path, perf_layer: str) -> tuple[int, bool]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PERF_LAYER=perf_layer, DATA_DIR=str(tmp_path / "data"), ENV_FILE="/dev/null",
               SECRET_KEY="test-secret-key-that-is-long-enough-for-hs256")
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    frozen, collected = done.stdout.split()
    return int(frozen), collected == "True"


def test_the_served_app_freezes_its_start_up_objects(tmp_path):
    frozen, collected = _served(tmp_path, "true")
    assert frozen > 10_000
    assert collected


def test_nothing_is_frozen_with_the_performance_layer_off(tmp_path):
    assert _served(tmp_path, "false") == (0, True)
