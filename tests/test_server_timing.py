"""The Server-Timing header: the worker's own time per request, counted at greenlet switches,
and the time spent in database queries."""

from __future__ import annotations

import time

import greenlet

from facial_backend.perf import server_timing
from tests.perf_layer import needs_perf_layer


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_the_loop_clock_counts_only_the_greenlets_own_time():
    measured = {}

    def request() -> None:
        started = time.perf_counter()
        server_timing.start_loop_clock()
        _busy(0.02)
        greenlet.greenlet(lambda: time.sleep(0.05)).switch()  # another request, 50 ms
        _busy(0.01)
        measured["own"] = server_timing.stop_loop_clock()
        measured["elapsed"] = time.perf_counter() - started

    greenlet.greenlet(request).switch()

    assert measured["own"] >= 0.03
    assert measured["own"] <= measured["elapsed"] - 0.05 + 0.001


def test_a_greenlet_without_a_clock_counts_nothing():
    assert server_timing.stop_loop_clock() == 0.0


def test_switches_are_traced_only_while_a_request_is_timed():
    assert greenlet.gettrace() is None
    server_timing.start_loop_clock()
    assert greenlet.gettrace() is not None
    server_timing.stop_loop_clock()
    assert greenlet.gettrace() is None


@needs_perf_layer
def test_every_response_carries_its_timing(client):
    metrics = server_timing.parse(client.get("/health").headers["Server-Timing"])

    assert set(metrics) == {"worker", "total"}
    assert 0 <= metrics["worker"] <= metrics["total"]


@needs_perf_layer
def test_database_queries_are_timed(client):
    response = client.get("/readyz")

    metrics = server_timing.parse(response.headers["Server-Timing"])
    assert response.status_code == 200
    assert 0 < metrics["db"] <= metrics["worker"] <= metrics["total"]


@needs_perf_layer
def test_errors_carry_their_timing_too(client):
    response = client.get("/no/such/route")

    assert response.status_code == 404
    assert "total" in server_timing.parse(response.headers["Server-Timing"])


def test_a_header_reads_back_as_its_durations():
    assert server_timing.parse("db;dur=1.50, worker;dur=2.25, total;dur=3.00") == \
        {"db": 1.5, "worker": 2.25, "total": 3.0}
