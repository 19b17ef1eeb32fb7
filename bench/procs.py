"""Process helpers shared by the runner and the scenarios (psutil based)."""

from __future__ import annotations

import socket
import time

import psutil


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_pids(master_pid: int | None) -> list[int]:
    """Children of a gunicorn master; the process itself when it has none."""
    if master_pid is None:
        return []
    try:
        children = psutil.Process(master_pid).children(recursive=False)
    except psutil.Error:
        return []
    return [child.pid for child in children] or [master_pid]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the given processes (missing ones count 0)."""
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def own_cpu_seconds() -> float:
    """CPU seconds of this process and everything it started (live or waited for)."""
    me = psutil.Process()
    times = me.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    try:
        descendants = me.children(recursive=True)
    except psutil.Error:
        descendants = []
    return total + cpu_seconds([child.pid for child in descendants])


def host_busy_seconds() -> float:
    """CPU seconds the whole host spent busy (all CPUs summed)."""
    times = psutil.cpu_times()
    return sum(getattr(times, name, 0.0)
               for name in ("user", "nice", "system", "irq", "softirq", "steal"))


class OtherLoad:
    """How much CPU other processes used between start() and stop(), 100 = one core."""

    def start(self) -> OtherLoad:
        self._t0 = time.monotonic()
        self._host0 = host_busy_seconds()
        self._own0 = own_cpu_seconds()
        return self

    def stop(self) -> float | None:
        wall = time.monotonic() - self._t0
        if wall <= 0:
            return None
        other = (host_busy_seconds() - self._host0) - (own_cpu_seconds() - self._own0)
        return max(0.0, 100.0 * other / wall)
