"""A rate limit per client address for one route, with ``limits`` (Flask-Limiter's engine):
checked only where it is called, so no other route pays for it (Flask-Limiter's extension runs
on every request of the app).

Counts live in Redis when a URL is given, so every process shares them; while Redis is
unreachable each process counts alone rather than refusing the route.
"""

from __future__ import annotations

import logging
import time

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from facial_backend.errors import ApiError

log = logging.getLogger(__name__)


class AddressRateLimit:
    def __init__(self, name: str, rates: str, redis_url: str | None):
        self.name = name
        self.rates = parse_many(rates)
        self._shared = MovingWindowRateLimiter(storage_from_string(redis_url)) if redis_url else None
        self._local = MovingWindowRateLimiter(storage_from_string("memory://"))

    def check(self, address: str | None) -> None:
        """Count one request of ``address``; ApiError 429 with Retry-After beyond a rate."""
        who = address or "unknown"
        for rate in self.rates:
            limiter = self._shared or self._local
            try:
                allowed = limiter.hit(rate, self.name, who)
            except Exception:  # Redis away: this process counts alone meanwhile
                log.warning("rate limit storage unreachable; %s counted in this process", self.name)
                limiter = self._local
                allowed = limiter.hit(rate, self.name, who)
            if not allowed:
                reset = limiter.get_window_stats(rate, self.name, who).reset_time
                raise ApiError(429, "too_many_requests", f"More than {rate} from this address; try again later.",
                               headers={"Retry-After": str(max(1, int(reset - time.time() + 0.999)))})
