"""The performance layer's way of doing blocking work (installed by ``perf.init_app``): work in
gevent's native threads, pauses that yield to the event loop, one multi-MiB body at a time,
durable writes straight to the device."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from facial_backend.blocking_work import InlineWork
from facial_backend.perf import direct_write, offload

T = TypeVar("T")


class OffloadedWork(InlineWork):
    def run(self, func: Callable[..., T], *args: Any) -> T:
        return offload.in_thread(func, *args)

    def pause(self) -> None:
        offload.cooperate()

    def large_body_turn(self) -> AbstractContextManager[None]:
        return offload.large_body_turn()

    def finishing_turn(self) -> AbstractContextManager[None]:
        return offload.finishing_turn()

    def after_answer(self, func: Callable[[], Any]) -> None:
        offload.after_answer(func)

    def open_durable(self, path: str | os.PathLike, flags: int, mode: int = 0o640) -> int:
        return direct_write.open_direct(path, flags, mode)

    def write_durable(self, fd: int, data: bytes | memoryview, offset: int) -> None:
        direct_write.write_direct(fd, data, offset)
