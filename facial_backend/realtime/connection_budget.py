"""The long-lived sockets of this process counted against their limits: in all, per client address
and per user (a limit of 0 is none). A socket takes a slot when it opens and gives it back exactly
once, however it ends: when the request carrying it ends, or, for an engine.io session left
between long-polling requests, once engine.io no longer knows the session (checked when a limit
is reached, at most every PRUNE_EVERY seconds, so a refused flood costs little).
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

PRUNE_EVERY = 0.05


@dataclass(frozen=True)
class Limits:
    total: int
    per_address: int
    per_user: int


@dataclass(eq=False)
class Slot:
    """One socket. ``held``: the request carrying it still runs (on ``connection``, the client's
    TCP socket); ``session_id``: its engine.io session; ``socket_id``: its Socket.IO connection,
    once it connects."""

    kind: str
    address: str
    opened_at: float
    held: bool = True
    session_id: str | None = None
    socket_id: str | None = None
    user: str | None = None
    released: bool = False
    connection: Any = None


class Budget:
    """Open slots and their counts; ``session_open(engineio_sid)`` says whether engine.io still
    has a session; ``track_arrivals`` keeps the open order for ``opened_before``."""

    def __init__(self, limits: Limits, session_open: Callable[[str], bool],
                 track_arrivals: bool = False, clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self._session_open = session_open
        self._clock = clock
        self._slots: dict[Slot, None] = {}
        self._per_address: Counter[str] = Counter()
        self._per_user: Counter[str] = Counter()
        self._arrivals: deque[Slot] | None = deque() if track_arrivals else None
        self._pruned_at = float("-inf")

    def __len__(self) -> int:
        return len(self._slots)

    def open(self, kind: str, address: str, connection: Any = None) -> Slot | str:
        """A slot for a new socket from ``address``, or the limit it would pass: "worker" or
        "address"."""
        over = self._over(address)
        if over is not None and self._prune():
            over = self._over(address)
        if over is not None:
            return over
        slot = Slot(kind, address, self._clock(), connection=connection)
        self._slots[slot] = None
        self._per_address[address] += 1
        if self._arrivals is not None:
            self._arrivals.append(slot)
        return slot

    def claim_user(self, slot: Slot, user: str) -> bool:
        """Count ``slot`` as ``user``'s; False (nothing changed) when the user is at the limit."""
        if slot.released or slot.user == user:
            return True
        limit = self.limits.per_user
        if limit and self._per_user[user] >= limit and not (
                self._prune() and self._per_user[user] < limit):
            return False
        self._forget_user(slot)
        slot.user = user
        self._per_user[user] += 1
        return True

    def detach(self, slot: Slot, session_id: str | None) -> None:
        """The request that opened a long-polling session ended; the slot lives while engine.io
        keeps ``session_id`` (without one, there is no session: the slot is given back)."""
        slot.held = False
        slot.session_id = session_id
        if session_id is None:
            self.release(slot)

    def release(self, slot: Slot) -> None:
        if slot.released:
            return
        slot.released = True
        del self._slots[slot]
        _decrement(self._per_address, slot.address)
        self._forget_user(slot)

    def opened_before(self, cutoff: float) -> Iterator[Slot]:
        """Each open slot opened at or before ``cutoff``, once (needs ``track_arrivals``)."""
        arrivals = self._arrivals
        while arrivals and arrivals[0].opened_at <= cutoff:
            slot = arrivals.popleft()
            if not slot.released:
                yield slot

    def prune(self) -> None:
        """Give back the slots of long-polling sessions engine.io has dropped."""
        self._pruned_at = self._clock()
        for slot in [slot for slot in self._slots if not slot.held]:
            if slot.session_id is None or not self._session_open(slot.session_id):
                self.release(slot)

    def _prune(self) -> bool:
        """Prune unless done less than PRUNE_EVERY ago; True when a slot was given back."""
        if self._clock() - self._pruned_at < PRUNE_EVERY:
            return False
        before = len(self._slots)
        self.prune()
        return len(self._slots) < before

    def _over(self, address: str) -> str | None:
        if len(self._slots) >= self.limits.total:
            return "worker"
        if self.limits.per_address and self._per_address[address] >= self.limits.per_address:
            return "address"
        return None

    def _forget_user(self, slot: Slot) -> None:
        if slot.user is not None:
            _decrement(self._per_user, slot.user)
            slot.user = None


def _decrement(counter: Counter[str], key: str) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
