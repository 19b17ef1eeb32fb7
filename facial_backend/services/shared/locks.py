"""In-process locks by key (gevent-aware once gevent has patched ``threading``).

They serialise work on one object inside a process; the database row lock taken under them
(``SELECT ... FOR UPDATE``) does the same across processes on PostgreSQL. ``covering_write``
adds group commit for writes that only have to start after the caller's change.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from weakref import WeakValueDictionary


class _Lock:
    """A lock object that a WeakValueDictionary can hold."""

    __slots__ = ("lock", "__weakref__")

    def __init__(self) -> None:
        self.lock = threading.Lock()


class _Writes:
    """Callers of ``covering_write`` for one key: how many asked, how many the last write
    covered (only while some caller holds it: then nobody waits, and counting restarts)."""

    __slots__ = ("asked", "covered", "__weakref__")

    def __init__(self) -> None:
        self.asked = self.covered = 0


_locks: WeakValueDictionary[Hashable, _Lock] = WeakValueDictionary()
_writes: WeakValueDictionary[Hashable, _Writes] = WeakValueDictionary()
_guard = threading.Lock()


@contextmanager
def keyed_lock(key: Hashable) -> Iterator[None]:
    with _guard:
        holder = _locks.get(key)
        if holder is None:
            holder = _locks[key] = _Lock()
    with holder.lock:
        yield


@contextmanager
def covering_write(key: Hashable) -> Iterator[bool]:
    """For a write that must merely start after the caller's change (a file that mirrors
    committed rows): under the key's lock, yields whether the caller must make it. False when
    another caller's write began after this caller asked and has finished: it covered this
    change too. So callers that ask at once wait for one or two writes, not one each."""
    with _guard:
        writes = _writes.get(key)
        if writes is None:
            writes = _writes[key] = _Writes()
    writes.asked += 1
    mine = writes.asked
    with keyed_lock(key):
        if writes.covered >= mine:
            yield False
            return
        covering = writes.asked  # each of these callers made its change before asking
        yield True
        writes.covered = covering
