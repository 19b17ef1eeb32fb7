"""GET /api/sessions/<id>/media/<kind>/<item>/link: a signed, short-lived URL a player can use
(Range requests work through it; on the local store a tampered or expired link gets a clear
403), for operators and admins or the item's owner; every link handed out is audited."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from storage import signing
from tests.export.conftest import audit_rows
from tests.recordings.conftest import bearer, fetch

LOCAL_ONLY = pytest.mark.skipif(os.environ.get("TEST_STORAGE_BACKEND", "local") == "s3",
                                reason="S3 checks its own presigned URLs")


def link(client, session_id, kind, item_id, token, **query):
    suffix = f"?{urlencode(query)}" if query else ""
    return client.get(f"/api/sessions/{session_id}/media/{kind}/{item_id}/link{suffix}", headers=bearer(token),
                      environ_base={"REMOTE_ADDR": "203.0.113.9"})


def test_operator_link_plays_with_range_requests(app, client, operator, recording_session):
    data = recording_session.media[("video", "video_1")]
    response = link(client, recording_session.session_id, "video", "video_1", operator[1], expires_in=600)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["content_type"] == "video/webm" and body["size"] == len(data) and body["expires_in"] == 600
    expires_at = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=590) < expires_at - datetime.now(UTC) <= timedelta(seconds=600)
    status, headers, whole = fetch(client, body["url"])
    assert status == 200 and whole == data and headers["Content-Type"].startswith("video/webm")
    assert "attachment" not in headers.get("Content-Disposition", "")
    status, headers, part = fetch(client, body["url"], {"Range": "bytes=1048570-1048589"})
    assert status == 206 and part == data[1048570:1048590]
    assert headers["Content-Range"] == f"bytes 1048570-1048589/{len(data)}"
    status, _, tail = fetch(client, body["url"], {"Range": "bytes=-100"})
    assert status == 206 and tail == data[-100:]


def test_links_are_audited(app, client, operator, recording_session):
    link(client, recording_session.session_id, "video", "video_2", operator[1])
    [row] = audit_rows(app, action="media_view")
    assert row["actor_username"] == "ops" and row["remote_addr"] == "203.0.113.9"
    assert (row["session_id"], row["target_kind"], row["target_id"]) == (
        recording_session.session_id, "video", "video_2")


@LOCAL_ONLY
@pytest.mark.parametrize("change", ["signature", "expires", "content_type", "path"])
def test_tampered_local_link_is_refused(client, operator, recording_session, change):
    url = link(client, recording_session.session_id, "video", "video_1", operator[1]).json["url"]
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    path = parts.path
    if change == "path":
        path = path.replace("video_1.webm", "video_2.webm")
    elif change == "signature":
        query["signature"] = ("0" if query["signature"][0] != "0" else "1") + query["signature"][1:]
    elif change == "expires":
        query["expires"] = str(int(query["expires"]) + 3600)
    else:
        query["content_type"] = "text/html"
    response = client.get(f"{path}?{urlencode(query)}")
    assert response.status_code == 403
    assert response.json["code"] == "bad_signature" and "signature does not match" in response.json["error"]


@LOCAL_ONLY
def test_expired_local_link_is_refused(app, client, recording_session):
    key = f"facial_recordings/{recording_session.session_id}/video_1.webm"
    expired = int(datetime.now(UTC).timestamp()) - 5
    signature = signing.sign_download(key, expired, None, "video/webm", app.extensions["storage"].signing_key)
    query = urlencode({"expires": expired, "content_type": "video/webm", "signature": signature})
    response = client.get(f"/storage/objects/{key}?{query}", headers={"Range": "bytes=0-9"})
    assert response.status_code == 403
    assert response.json["code"] == "link_expired" and "expired" in response.json["error"]


def test_evaluator_gets_links_to_own_segments_only(app, client, demo_tokens, live_session):
    segment_id = next(iter(live_session.media))[1]
    mine = link(client, live_session.session_id, "segment", segment_id, demo_tokens["evaluator1"])
    assert mine.status_code == 200, mine.json
    status, _, data = fetch(client, mine.json["url"])
    assert status == 200 and data == live_session.media[("segment", segment_id)]
    theirs = link(client, live_session.session_id, "segment", segment_id, demo_tokens["evaluator2"])
    assert theirs.status_code == 404 and theirs.json["code"] == "media_not_found"
    client_role = link(client, live_session.session_id, "segment", segment_id, demo_tokens["client1"])
    assert client_role.status_code == 403
    assert [row["actor_username"] for row in audit_rows(app, action="media_view")] == ["evaluator1"]


def test_other_recorders_get_no_link(client, make_user, testbed_session):
    _, stranger = make_user("stranger", "recorder")
    for kind, item_id in testbed_session.media:
        response = link(client, testbed_session.session_id, kind, item_id, stranger)
        assert response.status_code == 404 and response.json["code"] == "media_not_found"


def test_recording_owner_link(client, testbed_session, app):
    from facial_backend.auth import issue_token
    from facial_backend.services.shared.users import get_by_username
    with app.app_context(), app.test_request_context():
        token = issue_token(get_by_username("phone"))
    [(kind, recording_id)] = [key for key in testbed_session.media if key[0] == "recording"]
    response = link(client, testbed_session.session_id, kind, recording_id, token)
    assert response.status_code == 200, response.json
    status, _, data = fetch(client, response.json["url"])
    assert status == 200 and data == testbed_session.media[(kind, recording_id)]


@pytest.mark.parametrize("path, code", [
    ("sess_000000000000000000000000/media/video/video_1", "session_not_found"),
    ("{sid}/media/video/no_such_video", "media_not_found"),
    ("{sid}/media/picture/video_1", "media_not_found"),
    ("{sid}/media/segment/video_1", "media_not_found"),
])
def test_unknown_ids_are_404(app, client, operator, recording_session, path, code):
    url = f"/api/sessions/{path.format(sid=recording_session.session_id)}/link"
    response = client.get(url, headers=bearer(operator[1]))
    assert response.status_code == 404 and response.json["code"] == code
    assert audit_rows(app) == []


@pytest.mark.parametrize("expires_in", ["0", "59", "43201", "soon"])
def test_bad_expiry_names_the_field(client, operator, recording_session, expires_in):
    response = link(client, recording_session.session_id, "video", "video_1", operator[1], expires_in=expires_in)
    assert response.status_code == 422 and "expires_in" in response.json["fields"]


def test_links_need_a_token(client, recording_session):
    response = client.get(f"/api/sessions/{recording_session.session_id}/media/video/video_1/link")
    assert response.status_code == 401 and response.json["code"] == "unauthorized"


def test_a_missing_stored_file_is_404(app, client, operator, recording_session):
    with app.app_context():
        app.extensions["storage"].delete(f"facial_recordings/{recording_session.session_id}/video_2.webm")
    response = link(client, recording_session.session_id, "video", "video_2", operator[1])
    assert response.status_code == 404 and response.json["code"] == "file_missing"


def test_media_listing_shows_what_the_caller_may_link(client, operator, demo_tokens, live_session):
    everything = client.get(f"/api/sessions/{live_session.session_id}/media", headers=bearer(operator[1]))
    assert everything.status_code == 200
    assert {(item["kind"], item["id"]) for item in everything.json} == set(live_session.media)
    assert all(item["content_type"] == "audio/mp4" for item in everything.json)
    mine = client.get(f"/api/sessions/{live_session.session_id}/media", headers=bearer(demo_tokens["evaluator1"]))
    assert {(item["kind"], item["id"]) for item in mine.json} == set(live_session.media)
    theirs = client.get(f"/api/sessions/{live_session.session_id}/media", headers=bearer(demo_tokens["evaluator2"]))
    assert theirs.status_code == 200 and theirs.json == []
    unknown = client.get("/api/sessions/sess_nope/media", headers=bearer(operator[1]))
    assert unknown.status_code == 404 and unknown.json["code"] == "session_not_found"
