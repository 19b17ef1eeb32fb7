"""Bad tus requests get the protocol's status and the service's JSON error naming the header or
field, and leave nothing behind in the data folder."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.conftest import data_files
from tests.tus.tus_client import TUS, create, metadata, new_session, patch, video_metadata


def stored_files(app) -> list[str]:
    return [name for name in data_files(Path(app.config["DATA_DIR"]))
            if not name.startswith(".db") and not name.endswith(".secret_key")
            and not name.endswith("session.json")]


def assert_error(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == code and body["error"] and body["request_id"]
    if field is not None:
        assert field in body["fields"], body


def test_wrong_or_missing_tus_resumable_is_412(client):
    session_id = new_session(client)
    for sent in ({}, {"Tus-Resumable": "0.2.2"}):
        answer = client.post("/files/", headers={**sent, "Upload-Length": "10",
                                                "Upload-Metadata": video_metadata(session_id)})
        assert_error(answer, 412, "tus_version_unsupported", "Tus-Resumable")
        assert answer.headers["Tus-Version"] == "1.0.0"
    assert client.head("/files/" + "a" * 32).status_code == 412


@pytest.mark.parametrize("length", ["-1", "ten", "1.5", "", "0x10", "99999999999999999999"])
def test_bad_upload_length_is_400(client, app, length):
    session_id = new_session(client)
    answer = client.post("/files/", headers={**TUS, "Upload-Length": length,
                                            "Upload-Metadata": video_metadata(session_id)})
    assert_error(answer, 400, "invalid_header", "Upload-Length")
    assert stored_files(app) == []


def test_length_missing_zero_or_defer_not_one_is_400(client, app):
    session_id = new_session(client)
    meta = {"Upload-Metadata": video_metadata(session_id)}
    assert_error(client.post("/files/", headers={**TUS, **meta}), 400, "missing_header", "Upload-Length")
    assert_error(client.post("/files/", headers={**TUS, **meta, "Upload-Length": "0"}), 400,
                 "invalid_upload_length", "Upload-Length")
    assert_error(client.post("/files/", headers={**TUS, **meta, "Upload-Defer-Length": "2"}), 400,
                 "invalid_header", "Upload-Defer-Length")
    assert stored_files(app) == []


def test_length_over_tus_max_size_is_413(client, app):
    session_id = new_session(client)
    answer = create(client, app.config["TUS_MAX_SIZE"] + 1, video_metadata(session_id))
    assert_error(answer, 413, "upload_too_large", "Upload-Length")
    assert stored_files(app) == []


@pytest.mark.parametrize("offset", ["-5", "abc", "", "1e3"])
def test_bad_upload_offset_is_400(client, offset):
    location = create(client, 10, video_metadata(new_session(client))).headers["Location"]
    answer = client.patch(location, data=b"x", headers={**TUS, "Content-Type": "application/offset+octet-stream",
                                                        "Upload-Offset": offset})
    assert_error(answer, 400, "invalid_header", "Upload-Offset")
    missing = client.patch(location, data=b"x", headers={**TUS, "Content-Type": "application/offset+octet-stream"})
    assert_error(missing, 400, "missing_header", "Upload-Offset")


def test_patch_needs_the_offset_content_type(client):
    location = create(client, 10, video_metadata(new_session(client))).headers["Location"]
    for content_type in (None, "application/octet-stream", "text/plain"):
        headers = {**TUS, "Upload-Offset": "0", **({"Content-Type": content_type} if content_type else {})}
        assert_error(client.patch(location, data=b"x", headers=headers), 415, "unsupported_media_type",
                     "Content-Type")


def test_body_past_the_length_is_413_and_not_kept(client):
    location = create(client, 10, video_metadata(new_session(client))).headers["Location"]
    assert_error(patch(client, location, 0, b"x" * 11), 413, "upload_too_large")
    assert client.head(location, headers=TUS).headers["Upload-Offset"] == "0"


@pytest.mark.parametrize("header, field", [
    ("session_id not-base64!", "Upload-Metadata.session_id"),
    ("session_id //79", "Upload-Metadata.session_id"),  # base64 of bytes that are not UTF-8
    ("bad key aGk=", "Upload-Metadata.bad"),
    ("video_id dg==,video_id dg==", "Upload-Metadata.video_id"),
    ("recording_id bm90LWEtdXVpZA==", "Upload-Metadata.recording_id"),
])
def test_metadata_that_is_not_base64_text_is_400(client, app, header, field):
    answer = create(client, 10, header)
    assert_error(answer, 400, "invalid_upload_metadata", field)
    assert stored_files(app) == []


def test_unknown_or_missing_destination_is_400(client, app):
    for meta in (None, "", metadata(filename="a.webm"), metadata(something="else")):
        assert_error(create(client, 10, meta), 400, "unknown_destination", "Upload-Metadata")
    both = metadata(session_id="s", video_id="v", recording_id="0b0c0d0e-1111-4222-8333-444455556666")
    assert_error(create(client, 10, both), 400, "ambiguous_destination")
    only_session = metadata(session_id=new_session(client))
    assert_error(create(client, 10, only_session), 400, "invalid_upload_metadata", "Upload-Metadata.video_id")
    assert stored_files(app) == []


@pytest.mark.parametrize("values, field", [
    ({"video_id": "../../etc/passwd"}, "Upload-Metadata.video_id"),
    ({"video_id": "a/b"}, "Upload-Metadata.video_id"),
    ({"video_id": ".."}, "Upload-Metadata.video_id"),
    ({"session_id": "../facial_recordings"}, "Upload-Metadata.session_id"),
    ({"filename": "../../evil.sh", "filetype": ""}, "Upload-Metadata.filetype"),
    ({"filename": "x.webm/../../y.php", "filetype": "text/x-php"}, "Upload-Metadata.filetype"),
])
def test_path_tricks_in_the_metadata_are_refused(client, app, values, field):
    session_id = new_session(client)
    sent = {"session_id": session_id, "video_id": "video_1", "filename": "a.webm", "filetype": "video/webm",
            **values}
    answer = create(client, 10, metadata(**sent))
    assert answer.status_code == 400, answer.get_json()
    assert field in answer.get_json()["fields"]
    assert stored_files(app) == []


def test_unknown_session_is_404_and_unknown_upload_is_404(client, app):
    answer = create(client, 10, metadata(session_id="0" * 32, video_id="v"))
    assert_error(answer, 404, "session_not_found")
    for upload_id in ("a" * 32, "nothex", "../" + "a" * 29):
        assert client.head(f"/files/{upload_id}", headers=TUS).status_code == 404
    assert_error(patch(client, "/files/" + "b" * 32, 0, b"x"), 404, "upload_not_found")
    assert stored_files(app) == []


def test_a_completed_or_chunked_video_is_not_uploaded_again(client):
    session_id = new_session(client)
    location = create(client, 3, video_metadata(session_id, "once")).headers["Location"]
    assert patch(client, location, 0, b"abc").status_code == 204
    assert_error(create(client, 3, video_metadata(session_id, "once")), 409, "video_complete")
    chunk = client.post("/api/upload/chunk", data={
        "session_id": session_id, "video_id": "chunked", "chunk_index": "0", "total_chunks": "2",
        "chunk": (io.BytesIO(b"abc"), "chunk_0")}, content_type="multipart/form-data")
    assert chunk.status_code == 200, chunk.get_json()
    assert_error(create(client, 3, video_metadata(session_id, "chunked")), 409, "video_uploading_in_chunks")


def test_auth_required_closes_video_uploads_to_anonymous_callers(client, app, make_user):
    session_id = new_session(client)
    app.config["AUTH_REQUIRED"] = True
    assert_error(create(client, 10, video_metadata(session_id)), 401, "unauthorized")
    _, token = make_user("rec", "recorder")
    created = create(client, 10, video_metadata(session_id), headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201
    assert client.head(created.headers["Location"], headers=TUS).status_code == 401
    bad_token = create(client, 10, video_metadata(session_id), headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
