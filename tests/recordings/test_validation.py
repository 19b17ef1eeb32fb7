"""Bad input on initiate, complete, list and download-url: each rule answers 400/422 with the
field named, and nothing is created."""

from __future__ import annotations

import pytest

from facial_backend.extensions import db
from facial_backend.models.recordings import Recording
from tests.recordings.conftest import APPOINTMENT, bearer, initiate

INITIATE = "/api/v1/recordings/upload/initiate"


def recording_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Recording))


@pytest.mark.parametrize(("overrides", "field"), [
    ({"appointment_id": "not-a-uuid"}, "appointment_id"),
    ({"visit_id": "1234"}, "visit_id"),
    ({"recording_type": "podcast"}, "recording_type"),
    ({"filename": None}, "filename"),
    ({"filename": ""}, "filename"),
    ({"filename": "a" * 256}, "filename"),
    ({"filename": 12}, "filename"),
    ({"content_type": "video/mp4"}, "content_type"),
    ({"content_type": "text/html"}, "content_type"),
    ({"content_type": "audio/x-unknown"}, "content_type"),
    ({"estimated_duration_seconds": -0.5}, "estimated_duration_seconds"),
    ({"estimated_duration_seconds": "12"}, "estimated_duration_seconds"),
])
def test_initiate_rules(client, app, alice, overrides, field):
    _, token = alice
    response = initiate(client, token, **overrides)
    assert response.status_code == 422, response.json
    assert field in response.json["fields"]
    assert any(item["loc"] == ["body", field] for item in response.json["detail"])
    assert recording_count(app) == 0


def test_initiate_needs_a_filename(client, app, alice):
    _, token = alice
    response = client.post(INITIATE, json={"appointment_id": APPOINTMENT}, headers=bearer(token))
    assert response.status_code == 422 and "filename" in response.json["fields"]


def test_initiate_needs_an_appointment_or_a_visit(client, app, alice):
    _, token = alice
    for body in ({"filename": "a.m4a"}, {"filename": "a.m4a", "appointment_id": None, "visit_id": None}):
        response = client.post(INITIATE, json=body, headers=bearer(token))
        assert response.status_code == 400
        assert response.json["detail"] == "Either appointment_id or visit_id must be provided"
        assert {"appointment_id", "visit_id"} <= set(response.json["fields"])
    assert recording_count(app) == 0


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]"])
def test_initiate_needs_a_json_object(client, app, alice, body):
    _, token = alice
    response = client.post(INITIATE, data=body, content_type="application/json", headers=bearer(token))
    assert response.status_code == 400 and response.json["code"] in ("body_required", "invalid_json")


def test_unknown_fields_are_ignored_and_the_defaults_apply(client, alice):
    _, token = alice
    response = client.post(INITIATE, json={"visit_id": APPOINTMENT, "filename": "x", "colour": "red"},
                           headers=bearer(token))
    assert response.status_code == 200
    assert response.json["upload_fields"]["Content-Type"] == "audio/m4a"
    got = client.get(f"/api/v1/recordings/{response.json['recording_id']}", headers=bearer(token)).json
    assert got["recording_type"] == "visit_audio" and got["duration_seconds"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"file_size_bytes": -1}, "file_size_bytes"),
    ({"file_size_bytes": "10"}, "file_size_bytes"),
    ({"file_size_bytes": 1.5}, "file_size_bytes"),
    ({"duration_seconds": -3}, "duration_seconds"),
    ({"metadata": "device=iPhone"}, "metadata"),
    ({"recording_metadata": ["iPhone"]}, "recording_metadata"),
    ({"recording_metadata": {"blob": "x" * 20000}}, "recording_metadata"),
])
def test_complete_rules(client, alice, body, field):
    _, token = alice
    recording_id = initiate(client, token).json["recording_id"]
    response = client.post(f"/api/v1/recordings/upload/complete/{recording_id}", json=body,
                           headers=bearer(token))
    assert response.status_code == 422 and field in response.json["fields"]
    got = client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).json
    assert got["status"] == "uploading"


def test_complete_of_an_unknown_recording_is_404(client, alice):
    _, token = alice
    for recording_id in (APPOINTMENT, "not-even-a-uuid"):
        response = client.post(f"/api/v1/recordings/upload/complete/{recording_id}", json={},
                               headers=bearer(token))
        assert response.status_code == 404
        assert response.json["detail"] == "Recording not found or access denied"


@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"), ("offset=-1", "offset"),
    ("status=lost", "status"), ("appointment_id=42", "appointment_id"), ("visit_id=x", "visit_id"),
])
def test_list_rules(client, alice, query, field):
    _, token = alice
    response = client.get(f"/api/v1/recordings/?{query}", headers=bearer(token))
    assert response.status_code == 422 and field in response.json["fields"]
    assert any(item["loc"] == ["query", field] for item in response.json["detail"])


@pytest.mark.parametrize("expires_in", ["299", "86401", "soon"])
def test_download_url_expiry_range(client, alice, expires_in):
    _, token = alice
    recording_id = initiate(client, token).json["recording_id"]
    response = client.get(f"/api/v1/recordings/{recording_id}/download-url?expires_in={expires_in}",
                          headers=bearer(token))
    assert response.status_code == 422 and "expires_in" in response.json["fields"]
