"""Prometheus metrics: request counts and latencies, relay and transcription events, and gauges
of sessions, uploads, sockets and queued jobs read from the database at scrape time.

With ``PROMETHEUS_MULTIPROC_DIR`` in the environment before start-up, every process writes its
samples there and a scrape of any process sums them all (prometheus_client's multiprocess
mode); without it, each process reports its own. Other packages count events through the
functions here and never touch prometheus_client themselves.
"""

from __future__ import annotations

from facial_backend.metrics.events import (
    count_dropped_event,
    count_redis_publish_failure,
    count_refused_socket,
    count_relayed_signal,
    observe_stt_job,
    set_queued_events,
)
from facial_backend.metrics.setup import init_app, render

__all__ = ["count_dropped_event", "count_redis_publish_failure", "count_refused_socket",
           "count_relayed_signal", "init_app", "observe_stt_job", "render", "set_queued_events"]
