"""python-socketio's Redis message queue, failing fast while Redis is away and back within a
second of its return.

Both paths get redis-py options under which a publish Redis refuses fails at once (one retry,
for a connection Redis closed) instead of blocking the sending greenlet for seconds through
redis-py's default backoff; python-socketio logs it and drops it ("giving up"), as always.

Stock ``RedisManager`` waits 1, 2, 4 ... up to 60 s between attempts to listen again, so after a
long outage messages to other processes stay lost for up to a minute after Redis is back. With
the fast path (``fast_path`` decides, on verified versions only) ``SteadyRedisManager`` tries
again every RETRY_SECONDS instead: it replaces RedisManager's private listening loop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from socketio import RedisManager

from facial_backend.realtime import redis_connections

log = logging.getLogger(__name__)

RETRY_SECONDS = 0.5


def redis_options() -> dict[str, Any]:
    """redis-py options of the queue's connections (public ``redis_options`` of RedisManager)."""
    return redis_connections.fail_fast()


class SteadyRedisManager(RedisManager):
    """RedisManager listening again every RETRY_SECONDS while Redis is away."""

    def _redis_listen_with_retries(self) -> Iterator[dict]:
        warned = False
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                warned = False
                yield from self.pubsub.listen()
            except Exception as exc:  # redis-py's errors, or a broken connection's
                if not warned:
                    log.error("Socket.IO queue: cannot receive from Redis (%s); retrying every %ss",
                              exc, RETRY_SECONDS)
                    warned = True
            self.server.sleep(RETRY_SECONDS)


def manager(fast: bool, url: str, channel: str) -> RedisManager:
    """The queue of a server on ``url``/``channel``: steady with the fast path, else stock."""
    kind = SteadyRedisManager if fast else RedisManager
    return kind(url, channel=channel, redis_options=redis_options())
