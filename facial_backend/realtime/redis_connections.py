"""Options of the real-time parts' Redis connections: a command Redis refuses fails at once
(``retries`` more tries with no pause, one being enough for a connection Redis closed) instead
of holding the greenlet for seconds in redis-py's default backoff; the callers retry at their
own pace. Connections are kept alive by TCP keepalive and take CONNECT_TIMEOUT_SECONDS at most
to open."""

from __future__ import annotations

from typing import Any

from redis.backoff import NoBackoff
from redis.retry import Retry

CONNECT_TIMEOUT_SECONDS = 2.0


def fail_fast(retries: int = 1, read_timeout: float | None = None) -> dict[str, Any]:
    """Keyword arguments for ``redis.Redis.from_url`` (``read_timeout``: None waits forever)."""
    return {"retry": Retry(NoBackoff(), retries), "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "socket_timeout": read_timeout, "socket_keepalive": True}
