"""Source kinds are registered by ``stt.init_app`` (the factory calls it), not by importing the
services; every stt module imports on its own (no import cycle)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from flask import Flask

from facial_backend import stt
from facial_backend.stt.sources import EXTENSION, FILE_KIND
from tests.stt.conftest import ROOT

SERVICE_KINDS = {FILE_KIND, "recording", "segment", "testbed_task"}


def test_the_factory_registers_every_source_kind(app):
    assert set(app.extensions[EXTENSION]) == SERVICE_KINDS


def test_importing_the_services_registers_nothing():
    from facial_backend.services.live import segment_transcription  # noqa: F401
    from facial_backend.services.recordings import transcription  # noqa: F401
    from facial_backend.services.testbed import stt_tasks  # noqa: F401
    bare = Flask("bare")
    assert EXTENSION not in bare.extensions
    stt.init_app(bare)
    assert set(bare.extensions[EXTENSION]) == SERVICE_KINDS


@pytest.mark.parametrize("module", ["base", "engines", "jobs", "worker", "local_engine",
                                    "http_engine", "sources", "audio"])
def test_each_module_imports_first_without_a_cycle(module):
    result = subprocess.run([sys.executable, "-c", f"import facial_backend.stt.{module}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
