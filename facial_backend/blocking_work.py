"""How services do work that blocks: disk writes with fsync, hashing, long computations, and the
durable writes of staged files. Services call this module, never a thread pool or gevent.

The plain way (``InlineWork``) runs everything in place and writes through the page cache; an
app may install another way (``install``), which the performance layer does. Every way gives
the same results: only where and how the work runs differs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context

from storage.atomicfile import write_out

T = TypeVar("T")
EXTENSION = "blocking_work"


class InlineWork:
    """Everything in place: the caller waits, and no other request runs meanwhile."""

    def run(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)``; ``func`` must not need the app context (another way may run it in a
        native thread)."""
        return func(*args)

    def pause(self) -> None:
        """A point in a long computation where other requests may run."""

    @contextmanager
    def large_body_turn(self) -> Iterator[None]:
        """Held while one request with a multi-MiB body is handled."""
        yield

    def after_answer(self, func: Callable[[], Any]) -> None:
        """``func()`` (which needs the app context) once the current request's answer is sent;
        the plain way runs it now."""
        func()

    @contextmanager
    def finishing_turn(self) -> Iterator[None]:
        """Held by a request that finishes an upload with its last short body, which may go
        before the bodies of other requests."""
        yield

    def open_durable(self, path: str | os.PathLike, flags: int, mode: int = 0o640) -> int:
        """Open a file for writes that the caller makes durable with ``fdatasync``."""
        return os.open(path, flags | os.O_CLOEXEC, mode)

    def write_durable(self, fd: int, data: bytes | memoryview, offset: int) -> None:
        """Write all of ``data`` at ``offset`` of a file from ``open_durable``."""
        write_out(fd, data, offset)


INLINE = InlineWork()


def install(app: Flask, work: InlineWork) -> None:
    """Make ``work`` the way ``app``'s requests and commands do their blocking work."""
    app.extensions[EXTENSION] = work


def current() -> InlineWork:
    """The current app's way (the plain one outside an app context)."""
    if has_app_context():
        return current_app.extensions.get(EXTENSION, INLINE)
    return INLINE


def run(func: Callable[..., T], *args: Any) -> T:
    return current().run(func, *args)


def pause() -> None:
    current().pause()


def large_body_turn():
    return current().large_body_turn()


def finishing_turn():
    return current().finishing_turn()


def after_answer(func: Callable[[], Any]) -> None:
    current().after_answer(func)
