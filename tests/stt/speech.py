"""Synthetic speech for the STT fixtures and benchmark: espeak-ng reads a text, PyAV encodes it.

``python -m tests.stt.speech`` rewrites tests/stt/fixtures/ (done once; the files are
committed, see fixtures/README.md). Needs the ``espeak-ng`` program (apt-get install espeak-ng).
"""

from __future__ import annotations

import io
import re
import subprocess
import wave
from pathlib import Path

import av
import numpy as np

FIXTURES = Path(__file__).parent / "fixtures"

# file name -> (container format, codec, sample rate, bit rate, text read)
SPEECH = {
    "speech.wav": ("wav", "pcm_s16le", 16000, None,
                   "Please record the meeting notes and send them to the team tomorrow morning."),
    "speech.m4a": ("mp4", "aac", 16000, 32000,
                   "The patient walked slowly across the room and sat down by the window."),
    "speech.webm": ("webm", "libopus", 48000, 24000,
                    "Open the door and turn on the lights in the kitchen."),
    "speech.ogg": ("ogg", "libopus", 48000, 24000,
                   "She reads a new book every week during the summer holidays."),
    "speech.mp3": ("mp3", "libmp3lame", 16000, 32000,
                   "The children played outside in the garden until the sun went down."),
}
SILENCE = ("silence.ogg", "ogg", "libopus", 48000, 24000, 3.0)


def speak(text: str, words_per_minute: int = 160) -> tuple[np.ndarray, int]:
    """Mono int16 samples of espeak-ng reading ``text``, and their sample rate."""
    wav_bytes = subprocess.run(["espeak-ng", "-s", str(words_per_minute), "--stdout", text],
                               check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(wav_bytes)) as reader:
        rate = reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    return samples.copy(), rate


def encode(samples: np.ndarray, rate: int, container: str, codec: str, out_rate: int,
           bit_rate: int | None) -> bytes:
    """Encode mono int16 ``samples`` at ``rate`` Hz into ``container``/``codec`` at ``out_rate``."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=out_rate, layout="mono")
        if bit_rate:
            stream.bit_rate = bit_rate
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=out_rate,
                                      frame_size=stream.codec_context.frame_size or None)
        for piece in [*resampler.resample(frame), *resampler.resample(None)]:
            output.mux(stream.encode(piece))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance divided by the number of reference words."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, hyp_word in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1,
                                            previous + (ref_word != hyp_word))
    return row[-1] / max(len(ref), 1)


def write_fixtures() -> None:
    for name, (container, codec, out_rate, bit_rate, text) in SPEECH.items():
        samples, rate = speak(text)
        (FIXTURES / name).write_bytes(encode(samples, rate, container, codec, out_rate, bit_rate))
    name, container, codec, out_rate, bit_rate, seconds = SILENCE
    silence = np.zeros(int(16000 * seconds), dtype=np.int16)
    (FIXTURES / name).write_bytes(encode(silence, 16000, container, codec, out_rate, bit_rate))


if __name__ == "__main__":
    write_fixtures()
