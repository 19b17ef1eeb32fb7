"""The engines on their own: fake, none, the local fallback, and http against a stub endpoint."""

from __future__ import annotations

import logging

import pytest

from facial_backend.stt import engines
from facial_backend.stt.engines import FAKE_TEXT, FakeEngine, NoneEngine, create_engine
from facial_backend.stt.errors import EngineDisabled, PermanentError, RetryableError
from facial_backend.stt.http_engine import HttpEngine
from facial_backend.stt.result import confidence_from_logprobs

BASE = {"STT_ENGINE": "none", "STT_CPU_THREADS": 1, "STT_MODEL_DIR": None, "STT_HTTP_URL": None,
        "STT_HTTP_TOKEN": None, "STT_HTTP_MODEL": "whisper-1", "STT_HTTP_TIMEOUT": 5.0}


def http_engine(stub, timeout: float = 5.0, token: str | None = "s3cret") -> HttpEngine:
    return HttpEngine(stub.url, token=token, model="whisper-1", timeout=timeout)


def test_fake_engine_gives_fixed_text_and_a_segment():
    seen = []
    result = FakeEngine().transcribe(b"x", on_segment=seen.append)
    assert (result.text, result.engine, result.confidence) == (FAKE_TEXT, "fake", 1.0)
    assert [s.text for s in seen] == [FAKE_TEXT]
    with pytest.raises(PermanentError, match="empty"):
        FakeEngine().transcribe(b"")


def test_none_engine_disables():
    with pytest.raises(EngineDisabled, match="STT_ENGINE=none"):
        NoneEngine().transcribe(b"x")
    assert isinstance(create_engine(BASE), NoneEngine)


def test_local_without_its_packages_runs_as_none(monkeypatch, caplog):
    monkeypatch.setattr(engines, "LOCAL_PACKAGES", ("no_such_stt_package_xyz",))
    with caplog.at_level(logging.WARNING, logger="facial_backend.stt.engines"):
        engine = create_engine({**BASE, "STT_ENGINE": "local"})
    assert engine.name == "none"
    assert "requirements-stt.txt" in caplog.text
    assert engines.effective_engine_name({"STT_ENGINE": "local"}) == "none"


def test_http_success_sends_the_openai_form(stub):
    seen = []
    result = http_engine(stub).transcribe(b"RIFFdata", filename="job.wav", content_type="audio/wav",
                                          on_segment=seen.append)
    assert result.text == "hello from the stub"
    assert (result.engine, result.language, result.duration) == ("http", "english", 2.0)
    assert [s.text for s in result.segments] == ["hello", "from the stub"] == [s.text for s in seen]
    assert 0.77 < result.confidence < 0.83  # exp(mean(-0.1, -0.3))
    request = stub.requests[0]
    assert request["path"] == "/v1/audio/transcriptions"
    assert request["authorization"] == "Bearer s3cret"
    assert request["filename"] == "job.wav"
    assert b'name="model"\r\n\r\nwhisper-1' in request["body"]
    assert b'name="response_format"\r\n\r\nverbose_json' in request["body"]
    assert b"RIFFdata" in request["body"]


def test_http_without_token_sends_no_authorization(stub):
    http_engine(stub, token=None).transcribe(b"x")
    assert stub.requests[0]["authorization"] is None


def test_http_timeout_is_retryable(stub):
    stub.script(("hold", None))
    with pytest.raises(RetryableError, match="did not answer within 0.3 s"):
        http_engine(stub, timeout=0.3).transcribe(b"x")


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_http_server_errors_are_retryable(stub, status):
    stub.script(("status", status))
    with pytest.raises(RetryableError, match=f"HTTP {status}"):
        http_engine(stub).transcribe(b"x")


@pytest.mark.parametrize("status", [400, 401, 413, 415])
def test_http_client_errors_are_permanent(stub, status):
    stub.script(("status", status))
    with pytest.raises(PermanentError, match=f"HTTP {status}"):
        http_engine(stub).transcribe(b"x")


def test_http_endpoint_down_is_retryable(stub):
    url = stub.url
    stub.shutdown()
    stub.server_close()
    with pytest.raises(RetryableError, match="unreachable"):
        HttpEngine(url, token=None, model="m", timeout=2).transcribe(b"x")


def test_http_answer_without_text_is_retryable(stub):
    stub.script(("json", {"unexpected": True}))
    with pytest.raises(RetryableError, match="without text"):
        http_engine(stub).transcribe(b"x")


def test_http_empty_file_is_permanent_without_a_request(stub):
    with pytest.raises(PermanentError, match="empty"):
        http_engine(stub).transcribe(b"")
    assert stub.requests == []


def test_confidence_is_weighted_and_bounded():
    assert confidence_from_logprobs([]) is None
    assert confidence_from_logprobs([(0.0, 1.0)]) == 1.0
    assert confidence_from_logprobs([(-1.0, 3.0), (0.0, 0.0)]) == pytest.approx(0.3679, abs=1e-4)
