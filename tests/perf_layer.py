"""Whether this test run has the performance layer on (``PERF_LAYER``, default on).

Tests that assert what only the layer does (the ``Server-Timing`` header, its timed metrics)
are marked ``@needs_perf_layer`` and skip when the suite runs with ``PERF_LAYER=false``; the
layer's own modules are tested directly either way.
"""

from __future__ import annotations

import os

import pytest

from facial_backend.config import parse_bool

PERF_LAYER_ON = parse_bool(os.environ.get("PERF_LAYER", "true"))

needs_perf_layer = pytest.mark.skipif(
    not PERF_LAYER_ON, reason="asserts the performance layer, which PERF_LAYER=false switches off")
