"""The server's malloc settings are applied on glibc, and an operator's own variables win."""

import os
import platform
import subprocess
import sys

import pytest

APPLY = "from facial_backend.perf.malloc_tuning import keep_large_blocks_in_heap as k; print(k())"


def _applied(**env) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run([sys.executable, "-c", APPLY], env={**environment, **env},
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_settings_are_applied_on_glibc():
    assert _applied() == "True"


def test_operator_variables_take_precedence():
    assert _applied(MALLOC_MMAP_THRESHOLD_="131072") == "False"
