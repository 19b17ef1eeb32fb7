"""An OpenAI-style ``/v1/audio/transcriptions`` endpoint (multipart ``file``, ``model``,
``response_format=verbose_json``; Bearer token)."""

from __future__ import annotations

from typing import Any

import requests

from facial_backend.stt.base import SegmentCallback
from facial_backend.stt.errors import PermanentError, RetryableError
from facial_backend.stt.result import Segment, Transcript, confidence_from_logprobs

RETRYABLE_STATUSES = {408, 409, 425, 429}


class HttpEngine:
    name = "http"

    def __init__(self, url: str, *, token: str | None, model: str, timeout: float):
        self.url = url
        self.model = model
        self.timeout = timeout
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def describe(self) -> str:
        return f"http engine: model {self.model} at {self.url}"

    def transcribe(self, data: bytes, *, filename: str = "audio", content_type: str | None = None,
                   on_segment: SegmentCallback | None = None) -> Transcript:
        if not data:
            raise PermanentError("empty audio file")
        try:
            response = requests.post(
                self.url, headers=self.headers, timeout=self.timeout,
                data={"model": self.model, "response_format": "verbose_json"},
                files={"file": (filename, data, content_type or "application/octet-stream")})
        except requests.Timeout:
            raise RetryableError(f"the transcription endpoint did not answer within "
                                 f"{self.timeout:g} s") from None
        except requests.RequestException as exc:
            raise RetryableError(f"the transcription endpoint is unreachable: {exc}") from None
        body = _check(response)
        segments = tuple(Segment(float(s.get("start", 0.0)), float(s.get("end", 0.0)),
                                 str(s.get("text", "")).strip())
                         for s in body.get("segments") or [])
        if on_segment:
            for segment in segments:
                on_segment(segment)
        logprobs = [(float(s["avg_logprob"]), max(float(s.get("end", 0)) - float(s.get("start", 0)), 0.01))
                    for s in body.get("segments") or [] if s.get("avg_logprob") is not None]
        duration = body.get("duration")
        return Transcript(text=str(body.get("text", "")).strip(), engine=self.name,
                          language=body.get("language"), confidence=confidence_from_logprobs(logprobs),
                          duration=float(duration) if duration is not None else None,
                          segments=segments)


def _check(response: requests.Response) -> dict[str, Any]:
    """The JSON body of a 2xx answer; the right error class otherwise."""
    status = response.status_code
    detail = f"HTTP {status} from the transcription endpoint: {response.text[:300]}"
    if status >= 500 or status in RETRYABLE_STATUSES:
        raise RetryableError(detail)
    if status >= 400:
        raise PermanentError(detail)
    try:
        body = response.json()
    except ValueError:
        raise RetryableError(f"the transcription endpoint answered non-JSON: "
                             f"{response.text[:300]!r}") from None
    if not isinstance(body, dict) or "text" not in body:
        raise RetryableError(f"the transcription endpoint answered without text: {str(body)[:300]}")
    return body
