"""Binding metrics to an app: request timing hooks and the registry a scrape reads."""

from __future__ import annotations

import os
import time

from flask import Flask, g, request
from prometheus_client import REGISTRY as PROCESS_REGISTRY
from prometheus_client import CollectorRegistry, generate_latest, multiprocess

from facial_backend.metrics.events import HTTP_BYTES_RECEIVED, HTTP_LATENCY, HTTP_REQUESTS
from facial_backend.metrics.state import DatabaseState

UNMATCHED_ROUTE = "unmatched"  # 404s are counted under one label, whatever the path


def init_app(app: Flask) -> None:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = _ProcessAndState(PROCESS_REGISTRY)
    registry.register(DatabaseState(app.app_context))
    app.extensions["metrics_registry"] = registry
    app.before_request(_start_clock)
    app.after_request(_count_request)


def render(app: Flask) -> bytes:
    """The text a Prometheus scrape gets."""
    return generate_latest(app.extensions["metrics_registry"])


class _ProcessAndState(CollectorRegistry):
    """This process's own metrics plus the database gauges, without adding the gauges to the
    process-wide registry (several apps in one process each keep their own)."""

    def __init__(self, process_registry: CollectorRegistry):
        super().__init__(auto_describe=True)
        self._process_registry = process_registry

    def collect(self):
        yield from self._process_registry.collect()
        yield from super().collect()


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _count_request(response):
    started = g.pop("metrics_started", None)
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED_ROUTE
    HTTP_REQUESTS.labels(method=request.method, route=route, status=str(response.status_code)).inc()
    if started is not None:
        HTTP_LATENCY.labels(method=request.method, route=route).observe(time.perf_counter() - started)
    if request.content_length:
        HTTP_BYTES_RECEIVED.inc(request.content_length)
    return response
