"""Counters and histograms of what the service does, safe in prometheus_client's multiprocess mode
(gauges of current state come from the database at scrape time; the one exception, the live
events waiting for Redis, lives in process memory and is summed over the live processes)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter("http_requests", "HTTP requests answered, by route template and status.",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "Time to answer an HTTP request.",
                         ["method", "route"], buckets=LATENCY_BUCKETS)
HTTP_BYTES_RECEIVED = Counter("http_request_body_bytes", "Bytes of request bodies received (declared length).")
RELAYED_SIGNALS = Counter("relayed_signals", "WebRTC signaling messages relayed to a peer.")
REFUSED_SOCKETS = Counter("socket_connections_refused",
                          "Socket connections refused (a limit: worker, address, user) or closed "
                          "unregistered (register_timeout).", ["reason"])
REDIS_PUBLISH_FAILURES = Counter("redis_publish_failures", "Events that could not be published to Redis.")
QUEUED_EVENTS = Gauge("live_events_queued", "Live events waiting for Redis (kept and retried).",
                      multiprocess_mode="livesum")
DROPPED_EVENTS = Counter("live_events_dropped", "Live events dropped: the outbox waiting for Redis was full.")
STT_JOBS = Histogram("stt_job_duration_seconds", "Transcription job run time, by outcome.", ["outcome"],
                     buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800))
def count_relayed_signal() -> None:
    RELAYED_SIGNALS.inc()


def count_refused_socket(reason: str) -> None:
    REFUSED_SOCKETS.labels(reason=reason).inc()


def count_redis_publish_failure(events: int = 1) -> None:
    REDIS_PUBLISH_FAILURES.inc(events)


def set_queued_events(events: int) -> None:
    QUEUED_EVENTS.set(events)


def count_dropped_event() -> None:
    DROPPED_EVENTS.inc()


def observe_stt_job(seconds: float, outcome: str) -> None:
    STT_JOBS.labels(outcome=outcome).observe(seconds)
