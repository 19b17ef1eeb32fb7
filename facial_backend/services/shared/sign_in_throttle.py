"""Sign-in throttling: after SIGN_IN_MAX_FAILURES failed sign-ins for one account, or from one
address, within SIGN_IN_WINDOW, further attempts are refused (429 with Retry-After) until the
window passes; a successful sign-in clears both counts. Counts live in Redis when REDIS_URL is
set (shared by every process), else in this process's memory."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from facial_backend.errors import ApiError

NAMESPACE = "sign-in-failures"


@dataclass(frozen=True)
class SignInThrottle:
    limiter: FixedWindowRateLimiter
    failures: RateLimitItemPerSecond

    def _keys(self, username: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("user", username.casefold())]
        if address:
            keys.append(("address", address))
        return keys

    def check(self, username: str, address: str | None) -> None:
        """Refuse with 429 while the account or the address has used up its failures."""
        waits = [self._seconds_left(key) for key in self._keys(username, address)
                 if not self.limiter.test(self.failures, NAMESPACE, *key)]
        if waits:
            retry_after = max(1, math.ceil(max(waits)))
            raise ApiError(429, "too_many_sign_in_failures",
                           f"Too many failed sign-ins; try again in {retry_after} seconds.",
                           headers={"Retry-After": str(retry_after)}, retry_after=retry_after)

    def failed(self, username: str, address: str | None) -> None:
        for key in self._keys(username, address):
            self.limiter.hit(self.failures, NAMESPACE, *key)

    def succeeded(self, username: str, address: str | None) -> None:
        for key in self._keys(username, address):
            self.limiter.clear(self.failures, NAMESPACE, *key)

    def _seconds_left(self, key: tuple[str, str]) -> float:
        return self.limiter.get_window_stats(self.failures, NAMESPACE, *key).reset_time - time.time()


def throttle() -> SignInThrottle:
    """The app's throttle, made on first use from its settings."""
    made = current_app.extensions.get("sign_in_throttle")
    if made is None:
        config = current_app.config
        storage = storage_from_string(config["REDIS_URL"] or "memory://")
        made = SignInThrottle(FixedWindowRateLimiter(storage),
                              RateLimitItemPerSecond(config["SIGN_IN_MAX_FAILURES"],
                                                     max(1, round(config["SIGN_IN_WINDOW"]))))
        current_app.extensions["sign_in_throttle"] = made
    return made
