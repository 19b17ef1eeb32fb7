"""Helpers of the recordings tests: users with tokens, and the phone's calls.

Uploads go where ``upload_url`` points: the app itself through the test client (local
backend) or moto's S3 server over HTTP with ``requests`` (TEST_STORAGE_BACKEND=s3).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
import requests

from tests.multipart import encode_multipart

TEST_HOST = "http://localhost/"
APPOINTMENT = "123e4567-e89b-12d3-a456-426614174000"
VISIT = "0b0c0d0e-1111-4222-8333-444455556666"


def audio(size: int = 4096) -> bytes:
    """Bytes that stand for an m4a file (the service never decodes them)."""
    return (b"\x00\x00\x00\x20ftypM4A " + os.urandom(size))[:size]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def alice(make_user):
    return make_user("alice", "recorder")


@pytest.fixture
def bob(make_user):
    return make_user("bob", "recorder")


@pytest.fixture
def admin(make_user):
    return make_user("root", "admin")


def initiate(client, token: str, **overrides):
    body = {"appointment_id": APPOINTMENT, "recording_type": "visit_audio",
            "filename": "recording_20241219_143022.m4a", "content_type": "audio/m4a",
            "estimated_duration_seconds": 120.5, **overrides}
    return client.post("/api/v1/recordings/upload/initiate", json=body, headers=bearer(token))


def post_upload(client, url: str, fields: dict[str, str], data: bytes | None,
                content_type: str = "audio/m4a", file_field: str = "file"):
    """POST the form as a phone does (fields, then the file part last); returns
    (status, JSON body or None)."""
    files = [] if data is None else [(file_field, "recording.m4a", data, content_type)]
    if url.startswith(TEST_HOST):
        body, form_type = encode_multipart(fields, files)
        response = client.post(urlsplit(url).path, data=body, content_type=form_type)
        return response.status_code, response.get_json(silent=True)
    response = requests.post(url, data=fields, files={file_field: ("recording.m4a", data, content_type)}
                             if data is not None else None, timeout=30)
    return response.status_code, None


def fetch(client, url: str, headers: dict[str, str] | None = None):
    """GET a download URL: (status, headers, bytes)."""
    if url.startswith(TEST_HOST):
        parts = urlsplit(url)
        response = client.get(f"{parts.path}?{parts.query}", headers=headers or {})
        data = response.get_data()
        response.close()
        return response.status_code, response.headers, data
    response = requests.get(url, headers=headers or {}, timeout=30)
    return response.status_code, response.headers, response.content


def uploaded_recording(client, token: str, data: bytes | None = None, **overrides) -> str:
    """Initiate, upload and complete one recording; returns its id."""
    started = initiate(client, token, **overrides)
    assert started.status_code == 200, started.json
    status, _ = post_upload(client, started.json["upload_url"], started.json["upload_fields"],
                            data if data is not None else audio(),
                            started.json["upload_fields"]["Content-Type"])
    assert status == 204
    recording_id = started.json["recording_id"]
    done = client.post(f"/api/v1/recordings/upload/complete/{recording_id}", json={},
                       headers=bearer(token))
    assert done.status_code == 200, done.json
    return recording_id
