"""GET /api/sessions/<id>/export.zip for every session kind: every stored medium byte for byte,
notes, telemetry, transcripts, and a manifest whose sizes and SHA-256 digests all hold (on the
local store and, with TEST_STORAGE_BACKEND=s3, on S3); who may export; the audit it leaves."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.export.conftest import audit_rows, media_by_source, transcript_sources, verified_zip
from tests.recordings.conftest import bearer


def export(client, session_id, token):
    response = client.get(f"/api/sessions/{session_id}/export.zip", headers=bearer(token),
                          environ_base={"REMOTE_ADDR": "198.51.100.4"})
    data = response.get_data()
    response.close()
    return response, data


def test_recording_app_session(client, operator, recording_session):
    response, data = export(client, recording_session.session_id, operator[1])
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert f'filename="session-{recording_session.session_id}.zip"' in response.headers["Content-Disposition"]
    archive, manifest = verified_zip(data)
    assert media_by_source(archive, manifest) == recording_session.media
    assert manifest["session"]["id"] == recording_session.session_id
    assert manifest["session"]["kind"] == "recording" and manifest["session"]["participant_id"] == "p-1"
    assert manifest["exported_by"] == "ops" and manifest["missing"] == []
    [video_1] = [e for e in manifest["files"] if e["source"] == {"kind": "video", "id": "video_1"}]
    assert video_1["path"] == "media/videos/video_1.webm" and video_1["content_type"] == "video/webm"
    assert video_1["metadata"]["metadata"] == {"prompt": "smile"}
    assert {"notes/notes.md", "notes/notes.json", "telemetry/telemetry.csv"} <= set(archive.namelist())


def test_live_session_with_transcripts(client, operator, live_session):
    response, data = export(client, live_session.session_id, operator[1])
    assert response.status_code == 200
    archive, manifest = verified_zip(data)
    assert media_by_source(archive, manifest) == live_session.media
    assert manifest["session"]["kind"] == "live" and manifest["session"]["evaluator_id"] == "evaluator1"
    assert transcript_sources(manifest) == live_session.transcripts
    segment_id = next(iter(live_session.media))[1]
    document = json.loads(archive.read(f"transcripts/segment-{segment_id}.json"))
    assert document["segments"] == [{"start": 0.0, "end": 1.0, "text": document["text"]}]
    assert archive.read(f"transcripts/segment-{segment_id}.txt").decode() == document["text"] + "\n"
    vtt = archive.read(f"transcripts/segment-{segment_id}.vtt").decode()
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\n")


def test_testbed_session_with_iphone_recording(client, operator, testbed_session):
    response, data = export(client, testbed_session.session_id, operator[1])
    assert response.status_code == 200
    archive, manifest = verified_zip(data)
    assert media_by_source(archive, manifest) == testbed_session.media
    assert transcript_sources(manifest) == testbed_session.transcripts
    notes = json.loads(archive.read("notes/notes.json"))["notes"]
    assert [note["content"] for note in notes] == testbed_session.notes
    markdown = archive.read("notes/notes.md").decode()
    assert markdown.startswith("# Bench run 7") and "Smile detected, **strong**" in markdown
    rows = list(csv.DictReader(io.StringIO(archive.read("telemetry/telemetry.csv").decode())))
    assert len(rows) == testbed_session.points
    assert [row["timestamp"] for row in rows] == sorted(row["timestamp"] for row in rows)
    assert float(rows[8]["value"]) == 8 / 7 and rows[8]["channel"] == "ch2" and rows[8]["unit"] == "V"
    outside = [e for e in manifest["files"] if e["path"].endswith(".vtt") and e["source"]["kind"] == "stt_task"]
    assert any("NOTE This transcript has no segment times." in archive.read(e["path"]).decode() for e in outside)


def test_large_telemetry_is_paged_in_time_order(app, client, operator, testbed_session):
    from facial_backend.services.export import telemetry_csv
    telemetry_csv.PAGE_ROWS, saved = 7, telemetry_csv.PAGE_ROWS
    try:
        _, data = export(client, testbed_session.session_id, operator[1])
    finally:
        telemetry_csv.PAGE_ROWS = saved
    archive, _ = verified_zip(data)
    rows = list(csv.reader(io.StringIO(archive.read("telemetry/telemetry.csv").decode())))[1:]
    assert len(rows) == testbed_session.points and len({row[4] for row in rows}) == testbed_session.points


def test_a_missing_stored_file_is_listed_not_fatal(app, client, operator, recording_session):
    with app.app_context():
        app.extensions["storage"].delete(f"facial_recordings/{recording_session.session_id}/video_2.webm")
    response, data = export(client, recording_session.session_id, operator[1])
    assert response.status_code == 200
    archive, manifest = verified_zip(data)
    assert set(media_by_source(archive, manifest)) == {("video", "video_1")}
    assert manifest["missing"] == [{"kind": "video", "id": "video_2", "reason": "the stored file is missing"}]


def test_export_is_audited(app, client, operator, recording_session):
    export(client, recording_session.session_id, operator[1])
    [row] = audit_rows(app, action="export")
    assert row["actor_username"] == "ops" and row["remote_addr"] == "198.51.100.4"
    assert row["session_id"] == recording_session.session_id and row["channel"] == "api"
    assert row["details"]["files"] >= 2 and row["request_id"]


def test_admins_may_export(client, make_user, recording_session):
    _, token = make_user("root", "admin")
    response, data = export(client, recording_session.session_id, token)
    assert response.status_code == 200
    verified_zip(data)


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "unauthorized"),
    ({"Authorization": "Bearer not-a-token"}, 401, "invalid_token"),
])
def test_export_needs_a_token(app, client, recording_session, headers, status, code):
    response = client.get(f"/api/sessions/{recording_session.session_id}/export.zip", headers=headers)
    assert response.status_code == status and response.json["code"] == code
    assert audit_rows(app) == []


@pytest.mark.parametrize("role", ["evaluator", "recorder", "client"])
def test_other_roles_may_not_export(app, client, make_user, recording_session, role):
    _, token = make_user(f"someone-{role}", role)
    response, _ = export(client, recording_session.session_id, token)
    assert response.status_code == 403 and response.json["code"] == "forbidden"
    assert response.json["request_id"] and audit_rows(app) == []


@pytest.mark.parametrize("session_id", ["sess_000000000000000000000000", "no-such-session", "x" * 300])
def test_unknown_session_is_404(app, client, operator, session_id):
    response, _ = export(client, session_id, operator[1])
    assert response.status_code == 404
    assert set(response.json) >= {"error", "code", "detail", "request_id"}
    assert audit_rows(app) == []
