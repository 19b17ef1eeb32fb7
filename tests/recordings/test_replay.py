"""A presigned upload replayed after completion never silently replaces the recording: the
local backend takes each policy once; on S3 (which accepts the replay) the object's ETag
recorded at completion exposes the replacement, and it is not served."""

from __future__ import annotations

import uuid

import pytest

from tests.recordings.conftest import audio, bearer, fetch, initiate, post_upload


@pytest.fixture
def storage_settings(request):
    """This module's store: local, or S3 on the moto server, whatever TEST_STORAGE_BACKEND says."""
    if request.param == "local":
        return {"STORAGE_BACKEND": "local"}
    endpoint = request.getfixturevalue("moto_endpoint")
    return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": endpoint, "S3_CREATE_BUCKET": "true",
            "S3_BUCKET": f"test-{uuid.uuid4().hex[:12]}", "S3_REGION": "us-east-1"}


def _complete(client, token, recording_id):
    return client.post(f"/api/v1/recordings/upload/complete/{recording_id}", json={}, headers=bearer(token))


@pytest.mark.parametrize("storage_settings", ["local"], indirect=True)
def test_local_presigned_upload_is_one_shot(client, alice):
    _, token = alice
    started = initiate(client, token).json
    first, replay = audio(1000), audio(3900)
    assert post_upload(client, started["upload_url"], started["upload_fields"], first)[0] == 204
    status, body = post_upload(client, started["upload_url"], started["upload_fields"], replay)
    assert status == 403
    assert body["code"] == "policy_already_used"
    done = _complete(client, token, started["recording_id"])
    assert done.status_code == 200
    link = client.get(f"/api/v1/recordings/{started['recording_id']}/download-url", headers=bearer(token))
    assert fetch(client, link.json["download_url"])[2] == first


@pytest.mark.parametrize("storage_settings", ["s3"], indirect=True)
def test_s3_replacement_after_completion_is_detected(client, alice):
    _, token = alice
    started = initiate(client, token).json
    recording_id = started["recording_id"]
    assert post_upload(client, started["upload_url"], started["upload_fields"], audio(1000))[0] == 204
    assert _complete(client, token, recording_id).status_code == 200
    url = f"/api/v1/recordings/{recording_id}/download-url"
    assert client.get(url, headers=bearer(token)).status_code == 200
    assert post_upload(client, started["upload_url"], started["upload_fields"], audio(3900))[0] == 204
    refused = client.get(url, headers=bearer(token))
    assert refused.status_code == 409
    assert refused.json["code"] == "stored_object_changed"
