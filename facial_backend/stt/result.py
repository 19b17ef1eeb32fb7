"""What an engine returns."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Segment:
    """A stretch of speech, ``start``/``end`` in seconds from the start of the audio."""

    start: float
    end: float
    text: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Transcript:
    """A transcription: ``confidence`` is 0..1 (None when the engine gives no measure)."""

    text: str
    engine: str
    language: str | None = None
    confidence: float | None = None
    duration: float | None = None
    segments: tuple[Segment, ...] = field(default_factory=tuple)


def confidence_from_logprobs(weighted: list[tuple[float, float]]) -> float | None:
    """exp of the mean average log-probability of the segments, weighted by ``weight``.

    ``weighted`` holds ``(avg_logprob, weight)`` pairs (weight: the segment's length).
    """
    total = sum(weight for _, weight in weighted)
    if not weighted or total <= 0:
        return None
    mean = sum(logprob * weight for logprob, weight in weighted) / total
    return round(min(1.0, max(0.0, math.exp(mean))), 4)
