"""The choice of engine by ``STT_ENGINE`` (the interface is ``stt.base.Engine``); ``local``
without its packages runs as ``none``."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Mapping
from typing import Any

from facial_backend.stt.base import Engine, SegmentCallback
from facial_backend.stt.errors import EngineDisabled, PermanentError
from facial_backend.stt.result import Segment, Transcript

log = logging.getLogger(__name__)

FAKE_TEXT = "this is a fake transcript"
LOCAL_PACKAGES = ("faster_whisper", "ctranslate2", "av", "numpy")


class NoneEngine:
    """No transcription: every job is skipped."""

    name = "none"

    def __init__(self, reason: str = "STT_ENGINE=none"):
        self.reason = reason

    def transcribe(self, data: bytes, **_: Any) -> Transcript:
        raise EngineDisabled(f"transcription is disabled ({self.reason})")

    def describe(self) -> str:
        return f"no engine ({self.reason}): every job ends skipped"


class FakeEngine:
    """Tests only: the same text for any non-empty file, in one segment."""

    name = "fake"

    def transcribe(self, data: bytes, *, on_segment: SegmentCallback | None = None,
                   **_: Any) -> Transcript:
        if not data:
            raise PermanentError("empty audio file")
        segment = Segment(0.0, 1.0, FAKE_TEXT)
        if on_segment:
            on_segment(segment)
        return Transcript(text=FAKE_TEXT, engine=self.name, language="en", confidence=1.0,
                          duration=1.0, segments=(segment,))

    def describe(self) -> str:
        return "fake engine (tests only): the same text for any file"


def missing_local_packages() -> list[str]:
    """The packages of requirements-stt.txt that are not installed (checked without importing)."""
    return [name for name in LOCAL_PACKAGES if not _installed(name)]


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def missing_packages_message(missing: list[str]) -> str:
    return (f"STT_ENGINE=local but {', '.join(missing)} not installed: transcription is off "
            "(jobs end skipped); `make install-stt` (pip install -r requirements-stt.txt) adds it")


def effective_engine_name(config: Mapping[str, Any]) -> str:
    """``STT_ENGINE``, except ``none`` for ``local`` when its packages are missing."""
    name = config["STT_ENGINE"]
    if name == "local" and missing_local_packages():
        return "none"
    return name


def create_engine(config: Mapping[str, Any]) -> Engine:
    """Build (and for ``local``, load) the configured engine; may raise ``ModelError``."""
    name = config["STT_ENGINE"]
    if name == "local":
        missing = missing_local_packages()
        if missing:
            log.warning(missing_packages_message(missing))
            return NoneEngine("STT_ENGINE=local without requirements-stt.txt")
        from facial_backend.stt.local_engine import LocalEngine
        return LocalEngine(config.get("STT_MODEL_DIR"), config["STT_CPU_THREADS"])
    if name == "http":
        from facial_backend.stt.http_engine import HttpEngine
        return HttpEngine(config["STT_HTTP_URL"], token=config.get("STT_HTTP_TOKEN"),
                          model=config["STT_HTTP_MODEL"], timeout=config["STT_HTTP_TIMEOUT"])
    if name == "fake":
        return FakeEngine()
    return NoneEngine()
