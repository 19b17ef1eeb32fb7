"""A tus upload with ``recording_id`` completes an initiated iPhone recording as the presigned
upload does, transcription included; only the owner's token (or an admin's) reaches it."""

from __future__ import annotations

import os

from facial_backend.stt.engines import FAKE_TEXT
from tests.recordings.conftest import bearer, initiate
from tests.tus.tus_client import TUS, create, head, metadata, patch


def started_recording(client, token: str) -> str:
    answer = initiate(client, token)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["recording_id"]


def test_recording_completes_and_is_transcribed(client, app, alice, run_stt_jobs):
    app.config["STT_ENGINE"] = "fake"
    _, token = alice
    recording_id = started_recording(client, token)
    data = b"\x00\x00\x00\x20ftypM4A " + os.urandom(30_000)
    created = create(client, len(data), metadata(recording_id=recording_id, filename="memo.m4a"),
                     headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    location = created.headers["Location"]
    assert patch(client, location, 0, data[:10_000], headers=bearer(token)).status_code == 204
    assert head(client, location, bearer(token)).headers["Upload-Offset"] == "10000"
    done = patch(client, location, 10_000, data[10_000:], headers=bearer(token))
    assert done.status_code == 204, done.get_json()
    recording = client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).get_json()
    assert recording["status"] == "uploaded" and recording["file_size_bytes"] == len(data)
    assert run_stt_jobs() == ["done"]
    recording = client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).get_json()
    assert recording["status"] == "transcribed" and recording["transcript_text"] == FAKE_TEXT
    link = client.get(f"/api/v1/recordings/{recording_id}/download-url", headers=bearer(token)).get_json()
    assert link["download_url"]


def test_only_the_owner_reaches_the_recording_upload(client, alice, bob, admin):
    _, alice_token = alice
    _, bob_token = bob
    _, admin_token = admin
    recording_id = started_recording(client, alice_token)
    meta = metadata(recording_id=recording_id)
    anonymous = create(client, 10, meta)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert create(client, 10, meta, headers=bearer(bob_token)).status_code == 404
    location = create(client, 10, meta, headers=bearer(alice_token)).headers["Location"]
    assert head(client, location).status_code == 401
    assert head(client, location, bearer(bob_token)).status_code == 404
    assert patch(client, location, 0, b"x" * 10, headers=bearer(bob_token)).status_code == 404
    assert client.delete(location, headers={**TUS, **bearer(bob_token)}).status_code == 404
    assert head(client, location, bearer(admin_token)).status_code == 200


def test_recording_limits_and_state(client, app, alice):
    _, token = alice
    recording_id = started_recording(client, token)
    meta = metadata(recording_id=recording_id)
    too_big = create(client, app.config["RECORDING_MAX_BYTES"] + 1, meta, headers=bearer(token))
    assert too_big.status_code == 413 and too_big.get_json()["code"] == "upload_too_large"
    location = create(client, 5, meta, headers=bearer(token)).headers["Location"]
    assert patch(client, location, 0, b"audio", headers=bearer(token)).status_code == 204
    again = create(client, 5, meta, headers=bearer(token))
    assert again.status_code == 400 and again.get_json()["code"] == "not_uploading"
    unknown = create(client, 5, metadata(recording_id="0b0c0d0e-1111-4222-8333-444455556666"),
                     headers=bearer(token))
    assert unknown.status_code == 404
