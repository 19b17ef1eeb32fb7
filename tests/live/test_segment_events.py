"""A stored live segment is announced to its session's live-event subscribers as
``segment.stored``, carrying the segment as the segments list shows it."""

from __future__ import annotations

import base64

import requests

from facial_backend.extensions import db
from tests.console import seed
from tests.live.conftest import make_m4a
from tests.testbed.conftest import WsClient

PARTIES = {"evaluatorId": "evaluator1", "clientId": "client1"}


def test_a_segment_and_then_its_audio_reach_a_subscriber(live_server, app):
    base = live_server.base_url
    with app.app_context():
        sid = seed.session("live", seed.START, evaluator_id="evaluator1", client_id="client1").id
        db.session.commit()
    subscriber = WsClient(base, sid)
    try:
        assert subscriber.next()["event"] == "connected"
        first = requests.post(f"{base}/api/session/segment", timeout=30, json={
            "sessionId": sid, **PARTIES, "imageIndex": 2, "signedUrl": "https://example.test/2.jpg"})
        assert first.ok, first.text
        event = subscriber.next()
        assert event["event"] == "segment.stored" and event["session_id"] == sid
        assert event["data"] | {"receivedAt": 0, "updatedAt": 0} == {
            "id": first.json()["segmentId"], "sessionId": sid, **PARTIES, "imageIndex": 2,
            "signedUrl": "https://example.test/2.jpg", "hasAudio": False, "audioSize": None,
            "contentType": None, "transcriptStatus": None, "transcript": None,
            "receivedAt": 0, "updatedAt": 0}

        audio = make_m4a(seconds=0.5)
        again = requests.post(f"{base}/api/session/segment", timeout=30, json={
            "sessionId": sid, **PARTIES, "imageIndex": 2, "audioBase64": base64.b64encode(audio).decode()})
        assert again.ok and again.json()["segmentId"] == first.json()["segmentId"], again.text
        event = subscriber.next()
        assert event["event"] == "segment.stored" and event["data"]["id"] == first.json()["segmentId"]
        assert event["data"]["hasAudio"] is True and event["data"]["audioSize"] == len(audio)
        assert event["data"]["signedUrl"] == "https://example.test/2.jpg"
    finally:
        subscriber.close()
