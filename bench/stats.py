"""Small helpers shared by the scenarios: percentiles, rates, and target rows."""

from __future__ import annotations

import math
from collections.abc import Iterable

MIB = 1024 * 1024


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile, ``q`` in [0, 100]; ``None`` for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    if q <= 0:
        return ordered[0]
    rank = math.ceil(q / 100.0 * len(ordered))
    return ordered[min(len(ordered), max(1, rank)) - 1]


def p50(values: Iterable[float]) -> float | None:
    return percentile(values, 50)


def p99(values: Iterable[float]) -> float | None:
    return percentile(values, 99)


def median(values: Iterable[float]) -> float | None:
    """Classic median (mean of the two middle values for an even count)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def mib_per_s(nbytes: int | float, seconds: float) -> float | None:
    """Throughput in MiB/s; ``None`` when the duration is not positive."""
    if seconds <= 0:
        return None
    return nbytes / MIB / seconds


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def summary(values: Iterable[float]) -> dict:
    """n / p50 / p99 / max / mean of a sample (all ``None`` when empty)."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0, "p50": None, "p99": None, "max": None, "mean": None}
    return {
        "n": len(ordered),
        "p50": percentile(ordered, 50),
        "p99": percentile(ordered, 99),
        "max": ordered[-1],
        "mean": sum(ordered) / len(ordered),
    }


def ms(seconds: float | None) -> float | None:
    """Seconds to milliseconds, keeping ``None``."""
    return None if seconds is None else seconds * 1000.0


def target(name: str, value, goal: str, ok: bool | None) -> dict:
    """A row of a scenario's ``targets``; ``ok`` None (nothing was measured) reports SKIP."""
    result = "SKIP" if ok is None else ("PASS" if ok else "FAIL")
    return {"target": name, "value": value, "goal": goal, "result": result}


def below(value, limit) -> bool | None:
    return None if value is None else value < limit


def at_most(value, limit) -> bool | None:
    return None if value is None else value <= limit


def at_least(value, goal) -> bool | None:
    return None if value is None else value >= goal
