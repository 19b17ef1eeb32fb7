"""The local backend's presigned POST endpoint refuses every upload its policy does not
allow, storing nothing; its signed download links serve ranges and expire.

These tests always run on the local backend (they are about its own endpoints).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from facial_backend import create_app
from facial_backend.extensions import db
from facial_backend.services.recordings.presigned_post import ENVELOPE_BYTES
from storage import signing
from tests.conftest import AWS_ENV, SECRET, data_files
from tests.multipart import encode_multipart
from tests.recordings.conftest import audio, bearer, fetch, initiate, post_upload

MAX = 2048


@pytest.fixture
def storage_settings():
    return {"STORAGE_BACKEND": "local"}


@pytest.fixture
def started(app, client, alice):
    """An initiated upload whose policy allows 1..MAX bytes."""
    app.config["RECORDING_MAX_BYTES"] = MAX
    _, token = alice
    response = initiate(client, token)
    assert response.status_code == 200
    return response.json


def stored_files(app) -> list[str]:
    return data_files(Path(app.config["LOCAL_STORAGE_ROOT"]) / "recordings") \
        if (Path(app.config["LOCAL_STORAGE_ROOT"]) / "recordings").exists() else []


def assert_nothing_stored(app, client, alice, started):
    assert stored_files(app) == []
    incoming = Path(app.config["LOCAL_STORAGE_ROOT"]) / ".incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []
    _, token = alice
    response = client.post(f"/api/v1/recordings/upload/complete/{started['recording_id']}", json={},
                           headers=bearer(token))
    assert response.status_code == 400


def test_an_upload_within_the_policy_is_stored(app, client, alice, started):
    data = audio(MAX)
    assert post_upload(client, started["upload_url"], started["upload_fields"], data) == (204, None)
    assert app.extensions["storage"].read_bytes(started["s3_key"]) == data
    assert stored_files(app) == [started["s3_key"].removeprefix("recordings/")]


def expired_fields(started) -> dict[str, str]:
    policy = signing.make_upload_policy(started["s3_key"], "audio/m4a", min_bytes=1, max_bytes=MAX,
                                        expires_in=60, now=datetime.now(UTC) - timedelta(hours=2))
    return {**started["upload_fields"], "policy": policy,
            "x-amz-signature": signing.sign(policy, SECRET.encode())}


def tampered_signature(started) -> dict[str, str]:
    signature = started["upload_fields"]["x-amz-signature"]
    return {**started["upload_fields"], "x-amz-signature": ("0" if signature[0] != "0" else "1") + signature[1:]}


def larger_policy(started) -> dict[str, str]:
    """The policy re-encoded with a larger size range, sent with the original signature."""
    policy = signing.make_upload_policy(started["s3_key"], "audio/m4a", min_bytes=1, max_bytes=10 * MAX,
                                        expires_in=3600)
    return {**started["upload_fields"], "policy": policy}


def without(name):
    return lambda started: {k: v for k, v in started["upload_fields"].items() if k != name}


def changed(name, value):
    return lambda started: {**started["upload_fields"], name: value}


REFUSALS = {
    "file over the size range": (lambda s: s["upload_fields"], audio(MAX + 1), 403, "entity_too_large"),
    "empty file": (lambda s: s["upload_fields"], b"", 403, "entity_too_small"),
    "wrong content type": (changed("Content-Type", "audio/wav"), audio(), 403, "policy_refused"),
    "expired policy": (expired_fields, audio(), 403, "policy_expired"),
    "tampered signature": (tampered_signature, audio(), 403, "policy_refused"),
    "tampered policy": (larger_policy, audio(MAX + 1), 403, "policy_refused"),
    "changed key": (lambda s: {**s["upload_fields"], "key": s["s3_key"].replace(".m4a", "-2.m4a")},
                    audio(), 403, "policy_refused"),
    "no encryption field": (without("x-amz-server-side-encryption"), audio(), 403, "policy_refused"),
    "other encryption": (changed("x-amz-server-side-encryption", "aws:kms"), audio(), 403, "policy_refused"),
    "no key field": (without("key"), audio(), 403, "policy_refused"),
    "no content type field": (without("Content-Type"), audio(), 403, "policy_refused"),
    "no policy": (without("policy"), audio(), 403, "policy_refused"),
    "no signature": (without("x-amz-signature"), audio(), 403, "policy_refused"),
    "a field the policy does not cover": (changed("acl", "public-read"), audio(), 403, "policy_refused"),
    "no file part": (lambda s: s["upload_fields"], None, 400, "missing_file"),
    "body larger than any recording": (lambda s: s["upload_fields"], audio(MAX + ENVELOPE_BYTES), 413,
                                       "payload_too_large"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_uploads_store_nothing(app, client, alice, started, case):
    make_fields, data, status, code = REFUSALS[case]
    got_status, body = post_upload(client, started["upload_url"], make_fields(started), data)
    assert (got_status, body["code"]) == (status, code), body
    assert body["detail"]
    assert_nothing_stored(app, client, alice, started)


def test_malformed_bodies_are_400(app, client, alice, started):
    body, form_type = encode_multipart(started["upload_fields"], [("file", "a.m4a", audio(), "audio/m4a")])
    cases = [
        (body[: len(body) // 2], form_type),            # cut off inside the file part
        (body, "multipart/form-data"),                  # no boundary
        (b"key=x&policy=y", "application/x-www-form-urlencoded"),
    ]
    for payload, content_type in cases:
        response = client.post("/storage/upload", data=payload, content_type=content_type)
        assert response.status_code == 400, response.json
    renamed, form_type = encode_multipart(started["upload_fields"], [("upload", "a.m4a", audio(), "audio/m4a")])
    response = client.post("/storage/upload", data=renamed, content_type=form_type)
    assert (response.status_code, response.json["code"]) == (400, "missing_file")
    assert_nothing_stored(app, client, alice, started)


def test_download_links_serve_ranges_and_are_signed(app, client, alice, started):
    data = audio(MAX)
    post_upload(client, started["upload_url"], started["upload_fields"], data)
    _, token = alice
    recording_id = started["recording_id"]
    client.post(f"/api/v1/recordings/upload/complete/{recording_id}", json={}, headers=bearer(token))
    url = client.get(f"/api/v1/recordings/{recording_id}/download-url", headers=bearer(token)).json["download_url"]
    assert url.startswith("http://localhost/storage/objects/recordings/")

    status, headers, content = fetch(client, url)
    assert (status, content) == (200, data)
    assert headers["Content-Type"].startswith("audio/m4a")
    assert headers["Content-Length"] == str(MAX)
    assert headers["Accept-Ranges"] == "bytes"
    assert 'attachment; filename=recording_20241219_143022.m4a' in headers["Content-Disposition"]

    status, headers, content = fetch(client, url, {"Range": "bytes=100-199"})
    assert (status, content) == (206, data[100:200])
    assert headers["Content-Range"] == f"bytes 100-199/{MAX}" and headers["Content-Length"] == "100"

    for bad in (url.replace("signature=", "signature=0"), url.replace("expires=", "expires=1"),
                url.replace("filename=recording", "filename=other")):
        assert fetch(client, bad)[0] == 403
    key = started["s3_key"]
    expires = int((datetime.now(UTC) - timedelta(seconds=1)).timestamp())
    old = signing.sign_download(key, expires, None, None, SECRET.encode())
    status, _, _ = fetch(client, f"http://localhost/storage/objects/{key}?expires={expires}&signature={old}")
    assert status == 403
    assert client.get("/storage/objects/recordings/../x?expires=1&signature=x").status_code in (403, 404)


def test_the_local_endpoints_do_not_exist_on_s3(app_settings, monkeypatch):
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    s3_app = create_app({**app_settings, "STORAGE_BACKEND": "s3", "S3_BUCKET": "never-contacted",
                         "TESTING": True, "REDIS_URL": None})
    client = s3_app.test_client()
    body, form_type = encode_multipart({"key": "a.m4a"}, [("file", "a.m4a", b"x", "audio/m4a")])
    assert client.post("/storage/upload", data=body, content_type=form_type).status_code == 404
    assert client.get("/storage/objects/a.m4a?expires=9999999999&signature=x").status_code == 404
    with s3_app.app_context():
        db.engine.dispose()
