"""Keeping a gevent worker's event loop free while large bodies arrive (segments, video
chunks): long work is cut into pieces with a yield to the other greenlets between them (a
single C call such as decoding 7 MiB of base64 holds the GIL, and so the whole loop, for its
whole length), and blocking disk work (a write with fsync, hashing) goes to a native thread.
Outside a gevent worker (tests, CLI) everything runs in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

import gevent
from gevent import get_hub, monkey

T = TypeVar("T")
READ_PIECE = 64 * 1024


def _patched() -> bool:
    return monkey.is_module_patched("socket")


def cooperate() -> None:
    """Let the other greenlets run (a no-op outside a gevent worker)."""
    if _patched():
        gevent.sleep(0)


def in_thread(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in gevent's native thread pool (for work that releases the GIL, such as
    disk writes and fsync); exceptions propagate. ``func`` must not need the app context."""
    if _patched():
        return get_hub().threadpool.apply(func, args)
    return func(*args)


def read_cooperatively(stream: BinaryIO) -> bytes:
    """A request body read piece by piece with a yield between pieces: the server's reader
    does not yield while the data is already in the socket buffer."""
    pieces = []
    while piece := stream.read(READ_PIECE):
        pieces.append(piece)
        cooperate()
    return b"".join(pieces)
