"""The presigned POST policy that initiate hands out on the S3 backend, decoded. moto does
not enforce POST policies, so the conditions S3 would enforce are checked here."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from facial_backend.extensions import db
from facial_backend.models.recordings import Recording
from tests.conftest import AWS_ENV
from tests.recordings.conftest import VISIT, bearer, initiate

BUCKET = "helppet-audio-recordings"


@pytest.fixture
def storage_settings(monkeypatch):
    """S3 on AWS's own endpoint: presigning needs no network, only (dummy) credentials."""
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": BUCKET, "S3_REGION": "us-east-1",
            "RECORDING_MAX_BYTES": "50MiB", "PRESIGNED_EXPIRES": "900"}


def test_the_policy_pins_key_type_encryption_size_and_expiry(client, alice):
    user_id, token = alice
    before = datetime.now(UTC).replace(microsecond=0)
    response = initiate(client, token, appointment_id=None, visit_id=VISIT, content_type="audio/aac")
    after = datetime.now(UTC)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["upload_url"] == f"https://{BUCKET}.s3.amazonaws.com/"
    assert body["bucket"] == BUCKET
    assert body["expires_in"] == 900 and body["max_file_size"] == 50 * 1024 * 1024
    assert re.fullmatch(rf"recordings/{user_id}/visit_{VISIT}/\d{{8}}_\d{{6}}_[0-9a-f]{{12}}\.aac", body["s3_key"])
    fields = body["upload_fields"]
    assert {"key", "Content-Type", "x-amz-server-side-encryption", "policy", "x-amz-algorithm",
            "x-amz-credential", "x-amz-date", "x-amz-signature"} == set(fields)
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"

    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"bucket": BUCKET} in conditions
    assert {"key": body["s3_key"]} in conditions
    assert {"Content-Type": "audio/aac"} in conditions
    assert {"x-amz-server-side-encryption": "AES256"} in conditions
    assert ["content-length-range", 1, 50 * 1024 * 1024] in conditions
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before + timedelta(seconds=900) - timedelta(seconds=1) <= expiration <= after + timedelta(seconds=900)


def test_download_links_are_presigned_gets_with_a_bounded_lifetime(client, app, alice):
    _, token = alice
    recording_id = initiate(client, token).json["recording_id"]
    with app.app_context():
        db.session.get(Recording, recording_id).status = "uploaded"
        db.session.commit()
    response = client.get(f"/api/v1/recordings/{recording_id}/download-url?expires_in=300", headers=bearer(token))
    assert response.status_code == 200
    url = response.json["download_url"]
    assert url.startswith(f"https://{BUCKET}.s3.amazonaws.com/recordings/")
    assert "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url
    assert "response-content-disposition=attachment" in url
