"""Players' sources: each view is audited, then redirected to a signed URL that serves byte
ranges; captions come from a recording's timed transcript; other people's media is 404."""

from __future__ import annotations

from datetime import timedelta

import requests

from facial_backend.extensions import db, get_storage
from facial_backend.models import LiveSegment, Recording, SttJob, Video
from facial_backend.services.recording_app.sessions import video_key
from facial_backend.services.shared import audit
from tests.console import seed

VIDEO = bytes(range(256)) * 40


def _store(app, key: str, data: bytes, content_type: str) -> None:
    with app.app_context():
        get_storage().put_bytes(key, data, content_type)


def _follow(client, location: str, **headers):
    if location.startswith("http://127.0.0.1") or location.startswith("http://localhost:"):
        response = requests.get(location, headers=headers, timeout=30)
        return response.status_code, response.content, response.headers.get("Content-Type")
    response = client.get(location, headers=headers)
    with response:
        return response.status_code, response.data, response.headers.get("Content-Type")


def test_a_video_view_is_audited_and_served_by_ranges(client, app, world, sign_in):
    with app.app_context():
        video = db.session.scalar(db.select(Video).filter_by(session_id=world["recording"], status="complete"))
        video.storage_key = video_key(video)
        db.session.commit()
        key = video.storage_key
    _store(app, key, VIDEO, "video/webm")
    sign_in("recorder1")
    response = client.get(f"/console/sessions/{world['recording']}/media/video/video_a")
    assert response.status_code == 303
    status, body, content_type = _follow(client, response.headers["Location"], Range="bytes=100-199")
    assert status == 206 and body == VIDEO[100:200] and content_type.startswith("video/webm")
    with app.app_context():
        [event] = audit.list_events(action="media_view")
        assert (event.channel, event.actor_username, event.session_id, event.target_kind, event.target_id) == (
            "console", "recorder1", world["recording"], "video", "video_a")


def test_segment_audio_and_someone_elses_media(client, app, world, sign_in):
    with app.app_context():
        segment = db.session.scalar(db.select(LiveSegment).filter_by(session_id=world["live"], image_index=0))
        segment_id, key = segment.id, segment.audio_key
    _store(app, key, b"m4a-bytes", "audio/mp4")
    sign_in("evaluator1")
    response = client.get(f"/console/sessions/{world['live']}/media/segment/{segment_id}")
    assert response.status_code == 303
    assert _follow(client, response.headers["Location"])[1] == b"m4a-bytes"
    for path in (f"{world['recording']}/media/video/video_a", f"{world['live']}/media/planet/1",
                 f"{world['live']}/media/segment/seg_nope", f"{world['live']}/media/video/video_a"):
        other = client.get(f"/console/sessions/{path}")
        assert other.status_code == 404 and other.mimetype == "text/html"


def test_recording_captions_as_webvtt(client, app, world, sign_in, people):
    with app.app_context():
        recording = db.session.scalar(db.select(Recording))
        db.session.add(SttJob(source_kind="recording", source_id=recording.id, storage_key=recording.storage_key,
                              status="done", text="Hello there. Bye -->", finished_at=seed.START + timedelta(hours=4),
                              segments=[{"start": 0.0, "end": 1.25, "text": "Hello there."},
                                        {"start": 61.5, "end": 3725.0, "text": "Bye --> <b>&"}]))
        db.session.commit()
        recording_id = recording.id
    sign_in("recorder2")
    page = client.get(f"/console/sessions/{world['testbed']}")
    base = f"/console/sessions/{world['testbed']}/media/recording/{recording_id}"
    assert f'src="{base}/captions.vtt"' in page.text
    captions = client.get(f"{base}/captions.vtt")
    assert captions.status_code == 200 and captions.mimetype == "text/vtt"
    assert captions.text == ("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.250\nHello there.\n\n"
                             "2\n00:01:01.500 --> 01:02:05.000\nBye --&gt; &lt;b&gt;&amp;\n")
    client.post("/console/sign-out", data={"csrf_token": _csrf(client)})
    sign_in("recorder1")
    assert client.get(f"{base}/captions.vtt").status_code == 404
    assert client.get(base).status_code == 404


def _csrf(client) -> str:
    from tests.console.conftest import csrf_token
    return csrf_token(client.get("/console/sessions").text)
