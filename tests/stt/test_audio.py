"""Decoding every fixture format to 16 kHz mono float32 with PyAV (no system ffmpeg)."""

from __future__ import annotations

import pytest

from facial_backend.stt.errors import PermanentError

np = pytest.importorskip("numpy", reason="numpy comes with requirements-stt.txt")

from facial_backend.stt.audio import SAMPLE_RATE, decode_audio  # noqa: E402
from tests.stt.speech import FIXTURES, SPEECH  # noqa: E402


@pytest.mark.parametrize("name", sorted([*SPEECH, "silence.ogg"]))
def test_fixture_decodes_to_16k_mono(name):
    samples = decode_audio((FIXTURES / name).read_bytes())
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert 2.5 < len(samples) / SAMPLE_RATE < 6
    assert np.abs(samples).max() <= 1.0
    if name.startswith("speech"):
        assert np.abs(samples).max() > 0.05


def test_fixtures_stay_small():
    total = sum(path.stat().st_size for path in FIXTURES.iterdir() if path.suffix != ".md")
    assert total < 300 * 1024


@pytest.mark.parametrize("data, reason", [(b"", "empty audio file"),
                                          (b"\x00garbage" * 500, "undecodable audio")])
def test_not_audio_is_a_permanent_error(data, reason):
    with pytest.raises(PermanentError, match=reason):
        decode_audio(data)
