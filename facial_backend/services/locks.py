"""In-process locks by key (gevent-aware once gevent has patched ``threading``).

They serialise work on one object inside a process; the database row lock taken under them
(``SELECT ... FOR UPDATE``) does the same across processes on PostgreSQL.
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


_locks: WeakValueDictionary[Hashable, _Lock] = WeakValueDictionary()
_guard = threading.Lock()


@contextmanager
def keyed_lock(key: Hashable) -> Iterator[None]:
    with _guard:
        holder = _locks.get(key)
        if holder is None:
            holder = _locks[key] = _Lock()
    with holder.lock:
        yield
