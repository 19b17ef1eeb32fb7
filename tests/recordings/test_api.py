"""The recordings API through Flask's test client, on the suite's storage backend."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from facial_backend.extensions import db
from facial_backend.models.recordings import Recording, RecordingStatusChange
from facial_backend.services.recordings import recordings as service
from tests.recordings.conftest import (
    APPOINTMENT,
    VISIT,
    audio,
    bearer,
    fetch,
    initiate,
    post_upload,
    uploaded_recording,
)

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
RESPONSE_FIELDS = {"id", "visit_id", "appointment_id", "recording_type", "status", "filename",
                   "original_filename", "file_size_bytes", "duration_seconds", "duration_formatted",
                   "mime_type", "s3_url", "transcript_text", "transcript_confidence", "is_transcribed",
                   "is_processing", "created_at", "updated_at", "recorded_by_user_id",
                   # the transcription's details, beyond the origin's fields
                   "transcript_language", "transcription_service", "processing_started_at",
                   "processing_completed_at", "processing_error",
                   # what the app sent at completion, answered back (defect: stored, never returned)
                   "recording_metadata"}


def test_initiate_answers_the_origin_shape_with_a_server_built_key(client, app, alice):
    user_id, token = alice
    response = initiate(client, token)
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) == {"recording_id", "upload_url", "upload_fields", "s3_key", "bucket",
                         "expires_in", "max_file_size"}
    assert body["expires_in"] == 3600
    assert body["max_file_size"] == app.config["RECORDING_MAX_BYTES"] == 100 * 1024 * 1024
    assert re.fullmatch(rf"(.+/)?recordings/{user_id}/appointment_{APPOINTMENT}/\d{{8}}_\d{{6}}_[0-9a-f]{{12}}\.m4a",
                        body["s3_key"])
    fields = body["upload_fields"]
    assert fields["key"] == body["s3_key"]
    assert fields["Content-Type"] == "audio/m4a"
    assert fields["x-amz-server-side-encryption"] == "AES256"
    assert {"policy", "x-amz-signature", "x-amz-algorithm"} <= set(fields)
    expected_bucket = app.config["S3_BUCKET"] if app.config["STORAGE_BACKEND"] == "s3" else "local"
    assert body["bucket"] == expected_bucket
    got = client.get(f"/api/v1/recordings/{body['recording_id']}", headers=bearer(token)).json
    assert got["status"] == "uploading" and got["is_processing"] is True
    assert got["filename"] == body["s3_key"].rpartition("/")[2]
    assert got["original_filename"] == "recording_20241219_143022.m4a"
    assert got["duration_seconds"] == 120.5 and got["duration_formatted"] == "02:00"


def test_the_extension_comes_from_the_content_type_not_the_filename(client, alice):
    _, token = alice
    body = initiate(client, token, appointment_id=None, visit_id=VISIT, filename="../../x/evil.sh",
                    content_type="Audio/MPEG").json
    assert re.search(rf"/visit_{VISIT}/\d{{8}}_\d{{6}}_[0-9a-f]{{12}}\.mp3$", body["s3_key"])
    assert ".." not in body["s3_key"] and "evil" not in body["s3_key"]
    assert body["upload_fields"]["Content-Type"] == "audio/mpeg"


def test_whole_flow_with_metadata_idempotent_complete_and_soft_delete(client, app, alice):
    user_id, token = alice
    started = initiate(client, token).json
    data = audio(10_000)
    assert post_upload(client, started["upload_url"], started["upload_fields"], data)[0] == 204
    recording_id = started["recording_id"]
    complete_body = {"file_size_bytes": 2048576, "duration_seconds": 125.3,
                     "recording_metadata": {"device_model": "iPhone 15 Pro", "ios_version": "17.2"},
                     "metadata": {"app_version": "1.0.0"}}
    url = f"/api/v1/recordings/upload/complete/{recording_id}"
    first = client.post(url, json=complete_body, headers=bearer(token))
    assert first.status_code == 200
    stored_metadata = {"device_model": "iPhone 15 Pro", "ios_version": "17.2", "app_version": "1.0.0",
                       "client_file_size_bytes": 2048576}
    assert first.json == {"message": "Recording upload completed successfully", "recording_id": recording_id,
                          "recording_metadata": stored_metadata}
    again = client.post(url, json={"file_size_bytes": 1}, headers=bearer(token))
    assert (again.status_code, again.json) == (200, first.json)

    got = client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).json
    assert set(got) == RESPONSE_FIELDS
    assert got["status"] == "uploaded" and got["is_processing"] is False and got["is_transcribed"] is False
    assert got["file_size_bytes"] == len(data)  # from storage, not the client
    assert got["duration_seconds"] == 125.3 and got["duration_formatted"] == "02:05"
    assert got["s3_url"] is None and got["recorded_by_user_id"] == user_id
    assert got["recording_metadata"] == stored_metadata
    assert ISO_Z.match(got["created_at"]) and ISO_Z.match(got["updated_at"])
    with app.app_context():
        recording = db.session.get(Recording, recording_id)
        assert recording.recording_metadata == {"device_model": "iPhone 15 Pro", "ios_version": "17.2",
                                                "app_version": "1.0.0", "client_file_size_bytes": 2048576}

    for path in ("/api/v1/recordings/", "/api/v1/recordings"):
        listed = client.get(path, headers=bearer(token))
        assert listed.status_code == 200 and [r["id"] for r in listed.json] == [recording_id]
        assert listed.json[0]["recording_metadata"] == stored_metadata

    link = client.get(f"/api/v1/recordings/{recording_id}/download-url?expires_in=600", headers=bearer(token))
    assert link.status_code == 200
    assert link.json["expires_in"] == 600 and link.json["filename"] == "recording_20241219_143022.m4a"
    status, headers, content = fetch(client, link.json["download_url"])
    assert (status, content) == (200, data)
    assert headers["Content-Type"].startswith("audio/m4a")

    deleted = client.delete(f"/api/v1/recordings/{recording_id}", headers=bearer(token))
    assert (deleted.status_code, deleted.json) == (200, {"message": "Recording deleted successfully"})
    assert client.get("/api/v1/recordings/", headers=bearer(token)).json == []
    assert client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).status_code == 404
    again = client.delete(f"/api/v1/recordings/{recording_id}", headers=bearer(token))
    assert (again.status_code, again.json["detail"]) == (400, "Recording is already deleted")
    completed_after = client.post(url, json={}, headers=bearer(token))
    assert completed_after.json["detail"] == "Recording is not in uploading state (current: deleted)"
    with app.app_context():
        recording = db.session.get(Recording, recording_id)
        assert recording.is_deleted and recording.deleted_by_user_id == user_id
        assert recording.deleted_at.tzinfo is not None
        assert app.extensions["storage"].head(recording.storage_key) is not None  # kept until purge
        changes = db.session.scalars(db.select(RecordingStatusChange).filter_by(recording_id=recording_id)
                                     .order_by(RecordingStatusChange.id)).all()
        assert [c.status for c in changes] == ["uploading", "uploaded", "deleted"]
        assert all(c.changed_by_user_id == user_id for c in changes)
        times = [c.changed_at for c in changes]
        assert times == sorted(times) and all(t.tzinfo is not None for t in times)


def test_complete_before_the_upload_is_refused_and_changes_nothing(client, alice):
    _, token = alice
    started = initiate(client, token).json
    response = client.post(f"/api/v1/recordings/upload/complete/{started['recording_id']}", json={},
                           headers=bearer(token))
    assert response.status_code == 400
    assert response.json["detail"] == "File not found in S3. Upload may have failed."
    link = client.get(f"/api/v1/recordings/{started['recording_id']}/download-url", headers=bearer(token))
    assert (link.status_code, link.json["detail"]) == (400, "Recording is not available for download")
    got = client.get(f"/api/v1/recordings/{started['recording_id']}", headers=bearer(token)).json
    assert got["status"] == "uploading" and got["file_size_bytes"] is None


def test_list_filters_orders_newest_first_and_pages(client, alice):
    _, token = alice
    first = uploaded_recording(client, token)
    second = uploaded_recording(client, token, appointment_id=None, visit_id=VISIT)
    third = initiate(client, token).json["recording_id"]

    def ids(query=""):
        response = client.get(f"/api/v1/recordings/{query}", headers=bearer(token))
        assert response.status_code == 200
        return [r["id"] for r in response.json]

    assert ids() == [third, second, first]
    assert ids(f"?appointment_id={APPOINTMENT}") == [third, first]
    assert ids(f"?visit_id={VISIT}") == [second]
    assert ids("?status=uploading") == [third]
    assert ids("?status=uploaded&limit=1") == [second]
    assert ids("?limit=2&offset=1") == [second, first]
    assert ids("?offset=3") == []


def test_admin_sees_everyones_recordings_and_deleted_ones_on_request(client, alice, bob, admin):
    _, alice_token = alice
    _, bob_token = bob
    _, admin_token = admin
    mine = uploaded_recording(client, alice_token)
    theirs = uploaded_recording(client, bob_token)
    assert client.delete(f"/api/v1/recordings/{theirs}", headers=bearer(bob_token)).status_code == 200

    def ids(token, query=""):
        return [r["id"] for r in client.get(f"/api/v1/recordings{query}", headers=bearer(token)).json]

    assert ids(admin_token) == [mine]
    assert ids(admin_token, "?include_deleted=true") == [theirs, mine]
    assert ids(bob_token, "?include_deleted=true") == []  # only admins see deleted ones
    got = client.get(f"/api/v1/recordings/{theirs}", headers=bearer(admin_token))
    assert got.status_code == 200 and got.json["status"] == "deleted"
    link = client.get(f"/api/v1/recordings/{mine}/download-url", headers=bearer(admin_token))
    assert link.status_code == 200


def test_responses_carry_the_origin_headers(client, alice):
    _, token = alice
    for response in (client.get("/api/v1/recordings/", headers=bearer(token)),
                     client.get("/api/v1/recordings/", headers=bearer("nope"))):
        assert response.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
        assert response.headers["Pragma"] == "no-cache" and response.headers["Expires"] == "0"
        assert response.headers["X-API-Version"]
        assert float(response.headers["X-Process-Time"]) >= 0
        assert {"Accept", "Authorization", "Origin"} <= {v.strip() for v in response.headers["Vary"].split(",")}


def test_complete_queues_transcription_only_with_an_engine(client, app, alice, monkeypatch):
    _, token = alice
    queued = []
    monkeypatch.setattr(service, "queue_transcription", lambda recording: queued.append(recording.id))
    without = uploaded_recording(client, token)
    assert queued == []
    monkeypatch.setitem(app.config, "STT_ENGINE", "fake")
    with_engine = uploaded_recording(client, token)
    assert queued == [with_engine] != [without]
    again = client.post(f"/api/v1/recordings/upload/complete/{with_engine}", json={}, headers=bearer(token))
    assert again.status_code == 200 and queued == [with_engine]  # a retry queues nothing more


def test_times_are_aware_utc(app, client, alice):
    _, token = alice
    before = datetime.now(UTC)
    recording_id = uploaded_recording(client, token)
    body = client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).json
    created = datetime.fromisoformat(body["created_at"].replace("Z", "+00:00"))
    assert before <= created <= datetime.now(UTC)
