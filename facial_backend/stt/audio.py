"""Audio bytes in any container PyAV reads (m4a/AAC, webm/Opus, ogg, mp3, wav) to the
16 kHz mono float32 samples Whisper wants. No system ffmpeg: PyAV ships its own libraries."""

from __future__ import annotations

import io

from facial_backend.stt.errors import PermanentError

SAMPLE_RATE = 16000


def decode_audio(data: bytes):
    """Return a 1-D ``numpy.float32`` array at 16 kHz; PermanentError if it is not audio."""
    import av
    import numpy as np

    if not data:
        raise PermanentError("empty audio file")
    pieces = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise PermanentError("the file has no audio stream")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                pieces.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
            pieces.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    except av.FFmpegError as exc:
        raise PermanentError(f"undecodable audio: {exc}") from None
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(pieces).astype(np.float32, copy=False)


def probe_duration(data: bytes) -> float | None:
    """The audio's length in seconds from its container, or None (unknown, undecodable, or
    PyAV not installed)."""
    try:
        import av
    except ImportError:
        return None
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if container.duration is not None:
                return container.duration / av.time_base
            stream = container.streams.audio[0] if container.streams.audio else None
            if stream is not None and stream.duration is not None and stream.time_base:
                return float(stream.duration * stream.time_base)
    except (av.FFmpegError, IndexError):
        return None
    return None
