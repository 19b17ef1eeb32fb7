"""HTTP routes of the evaluator/client apps through Flask's test client (the apps' calls plus the fixes)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import requests

from facial_backend.extensions import db
from facial_backend.models.live import LiveConnection, LivePresence, LiveSegment
from facial_backend.models.sessions import StudySession
from facial_backend.timeutil import utcnow
from tests.conftest import data_files


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def post_segment(client, **body):
    return client.post("/api/session/segment", json=body)


def stored(app, key: str) -> bytes:
    return app.extensions["storage"].read_bytes(key)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_a_real_token(client, demo_users):
    response = client.post("/api/auth/login", json={"userId": "evaluator1", "password": "eval1"})
    assert response.status_code == 200
    assert response.json["user"] == {"id": "evaluator1", "name": "Evaluator One", "role": "evaluator"}
    assert response.json["token"].count(".") == 2
    bad = client.post("/api/auth/login", json={"userId": "evaluator1", "password": "nope"})
    assert bad.status_code == 401 and bad.json["error"] == "Invalid credentials"


def test_segment_stored_with_audio_and_metadata(client, app, demo_users, m4a_audio):
    response = post_segment(client, sessionId="sess_a", evaluatorId="evaluator1",
                            clientId="client1", imageIndex=0, signedUrl="https://img/0",
                            audioBase64=b64(m4a_audio[0]))
    assert response.status_code == 200
    assert response.json["ok"] is True and response.json["segmentId"].startswith("seg_")
    assert stored(app, "recordings/sess_a/client1_0.m4a") == m4a_audio[0]
    listing = client.get("/api/session/segments", headers=bearer(demo_users["evaluator1"])).json
    [entry] = listing["segments"]
    assert entry["id"] == response.json["segmentId"]
    assert entry["sessionId"] == "sess_a" and entry["clientId"] == "client1"
    assert entry["imageIndex"] == 0 and entry["signedUrl"] == "https://img/0"
    assert entry["hasAudio"] is True and entry["audioSize"] == len(m4a_audio[0])
    assert entry["contentType"] == "audio/mp4" and isinstance(entry["receivedAt"], int)


def test_duplicate_overwrites_and_keeps_audio_when_retry_has_none(client, app, demo_users, m4a_audio):
    first = post_segment(client, sessionId="sess_a", evaluatorId="evaluator1", clientId="client1",
                         imageIndex=3, signedUrl="u1", audioBase64=b64(m4a_audio[1])).json
    again = post_segment(client, sessionId="sess_a", evaluatorId="evaluator1", clientId="client1",
                         imageIndex=3, audioBase64=b64(m4a_audio[2])).json
    assert again["segmentId"] == first["segmentId"]
    assert stored(app, "recordings/sess_a/client1_3.m4a") == m4a_audio[2]
    no_audio = post_segment(client, sessionId="sess_a", evaluatorId="evaluator1",
                            clientId="client1", imageIndex=3, signedUrl="u2").json
    assert no_audio["segmentId"] == first["segmentId"]
    assert stored(app, "recordings/sess_a/client1_3.m4a") == m4a_audio[2]
    with app.app_context():
        [segment] = db.session.scalars(db.select(LiveSegment)).all()
        assert segment.signed_url == "u2" and segment.audio_size == len(m4a_audio[2])


def test_new_session_between_same_people_never_overwrites(client, app, m4a_audio):
    for session_id, audio in (("sess_old", m4a_audio[3]), ("sess_new", m4a_audio[4])):
        assert post_segment(client, sessionId=session_id, evaluatorId="evaluator1",
                            clientId="client1", imageIndex=0, audioBase64=b64(audio)).status_code == 200
    assert stored(app, "recordings/sess_old/client1_0.m4a") == m4a_audio[3]
    assert stored(app, "recordings/sess_new/client1_0.m4a") == m4a_audio[4]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LiveSegment)) == 2


@pytest.mark.parametrize("body, field", [
    ({"imageIndex": 0}, None),
    ({"imageIndex": 0, "signedUrl": None, "audioBase64": ""}, None),
    ({"signedUrl": "u"}, "imageIndex"),
    ({"imageIndex": -1, "signedUrl": "u"}, "imageIndex"),
    ({"imageIndex": "1", "signedUrl": "u"}, "imageIndex"),
    ({"imageIndex": 1.5, "signedUrl": "u"}, "imageIndex"),
    ({"imageIndex": True, "signedUrl": "u"}, "imageIndex"),
    ({"imageIndex": 0, "audioBase64": "not base64!!"}, "audioBase64"),
    ({"imageIndex": 0, "audioBase64": "QUJD="}, "audioBase64"),
    ({"imageIndex": 0, "audioBase64": "QQ==QUJD"}, "audioBase64"),
    ({"imageIndex": 0, "audioBase64": "QUJD===="}, "audioBase64"),
    ({"imageIndex": 0, "audioBase64": "QU JDQUJD"}, "audioBase64"),
    ({"imageIndex": 0, "audioBase64": 12}, "audioBase64"),
    ({"imageIndex": 0, "clientId": "../../etc", "audioBase64": "QUJD"}, "clientId"),
    ({"imageIndex": 0, "clientId": "a/b", "audioBase64": "QUJD"}, "clientId"),
    ({"imageIndex": 0, "sessionId": "..", "audioBase64": "QUJD"}, "sessionId"),
    ({"imageIndex": 0, "evaluatorId": 7, "signedUrl": "u"}, "evaluatorId"),
])
def test_bad_segments_are_refused_and_store_nothing(client, app, body, field):
    before = data_files_of(app)
    response = post_segment(client, **body)
    assert response.status_code == 400, response.json
    if field is None:
        assert response.json["error"] == "signedUrl or audioBase64 required"
    else:
        assert field in response.json["fields"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LiveSegment)) == 0
    assert data_files_of(app) == before


def data_files_of(app) -> list[str]:
    storage = app.extensions["storage"]
    return [info.key for info in storage.list("recordings/")]


def test_bad_json_and_oversize_bodies_answer_json(client, app):
    response = client.post("/api/session/segment", data=b"{not json", content_type="application/json")
    assert response.status_code == 400 and response.json["error"]
    app.config["SEGMENT_MAX_BYTES"] = 1000
    big = post_segment(client, imageIndex=0, audioBase64=b64(b"x" * 2000))
    assert big.status_code == 413 and big.is_json and big.json["code"] == "payload_too_large"
    assert data_files_of(app) == []


def test_segment_within_15mb_default_is_accepted(client, app):
    audio = bytes(range(256)) * (10 * 1024 * 1024 // 256)  # 10 MiB -> 13.3 MiB of base64
    response = post_segment(client, sessionId="s1", clientId="c1", imageIndex=0, audioBase64=b64(audio))
    assert response.status_code == 200
    assert stored(app, "recordings/s1/c1_0.m4a") == audio


def test_segment_ids_must_match_token_and_known_session(client, app, demo_users):
    with app.app_context():
        db.session.add(StudySession(id="sess_known", kind="live", status="active",
                                    evaluator_id="evaluator1", client_id="client1"))
        db.session.commit()
    wrong = client.post("/api/session/segment", headers=bearer(demo_users["client1"]),
                        json={"clientId": "client2", "imageIndex": 0, "signedUrl": "u"})
    assert wrong.status_code == 403
    stranger = post_segment(client, sessionId="sess_known", evaluatorId="evaluator2",
                            imageIndex=0, signedUrl="u")
    assert stranger.status_code == 403
    filled = post_segment(client, sessionId="sess_known", imageIndex=0, signedUrl="u")
    assert filled.status_code == 200
    listing = client.get("/api/session/segments?sessionId=sess_known",
                         headers=bearer(demo_users["evaluator1"])).json["segments"]
    assert [(s["evaluatorId"], s["clientId"]) for s in listing] == [("evaluator1", "client1")]


def test_segment_listing_and_audio_need_a_reader_role(client, app, demo_users, m4a_audio):
    mine = post_segment(client, sessionId="s1", evaluatorId="evaluator1", clientId="client1",
                        imageIndex=0, audioBase64=b64(m4a_audio[5])).json["segmentId"]
    theirs = post_segment(client, sessionId="s2", evaluatorId="evaluator2", clientId="client2",
                          imageIndex=0, audioBase64=b64(m4a_audio[6])).json["segmentId"]
    assert client.get("/api/session/segments").status_code == 401
    assert client.get("/api/session/segments", headers=bearer(demo_users["client1"])).status_code == 403
    assert client.get(f"/api/session/segments/{mine}/audio").status_code == 401
    seen = client.get("/api/session/segments", headers=bearer(demo_users["evaluator1"])).json
    assert [s["id"] for s in seen["segments"]] == [mine]
    assert client.get(f"/api/session/segments/{theirs}/audio",
                      headers=bearer(demo_users["evaluator1"])).status_code == 404
    url = f"/api/session/segments/{mine}/audio"
    with client.get(url, headers=bearer(demo_users["evaluator1"])) as audio:
        if audio.status_code == 302:  # S3: a presigned URL
            assert requests.get(audio.location, timeout=30).content == m4a_audio[5]
        else:
            assert audio.status_code == 200 and audio.data == m4a_audio[5]
    if audio.status_code == 200:
        with client.get(url, headers={**bearer(demo_users["evaluator1"]), "Range": "bytes=4-11"}) as part:
            assert part.status_code == 206 and part.data == m4a_audio[5][4:12]
    filtered = client.get("/api/session/segments?clientId=client2",
                          headers=bearer(demo_users["evaluator2"])).json["segments"]
    assert [s["id"] for s in filtered] == [theirs]


def test_presence_and_client_list(client, app, demo_users):
    assert client.post("/api/presence", json={"userId": "client1"}).json["error"] == \
        "userId and package required"
    assert client.post("/api/presence", json={"userId": "evaluator1", "package": "mqtt"}).json["error"] == \
        "Invalid client"
    assert client.post("/api/presence", json={"userId": "client1", "package": "MQTT"}).json == {"ok": True}
    assert client.post("/api/presence", headers=bearer(demo_users["client2"]),
                       json={"userId": "client1", "package": "mqtt"}).status_code == 403
    with app.app_context():
        db.session.add(LiveConnection(sid="sid1", user_id="client2", role="client", package="mqtt",
                                      worker="w"))
        db.session.add(LiveConnection(sid="sid2", user_id="client2", role="client", package="mqtt",
                                      worker="w"))
        db.session.commit()
    clients = client.get("/api/clients?package=mqtt").json["clients"]
    assert clients == [{"id": "client2", "name": "Client Two", "online": True, "inSession": False},
                       {"id": "client1", "name": "Client One", "online": True, "inSession": False}]
    assert client.get("/api/clients?package=webrtc").json == {"clients": []}
    assert client.get("/api/clients").json == {"clients": []}
    assert client.get("/api/clients?package=carrier-pigeon").status_code == 400
    with app.app_context():
        db.session.get(LivePresence, "client1").last_seen = utcnow() - timedelta(seconds=36)
        db.session.commit()
    assert [c["id"] for c in client.get("/api/clients?package=mqtt").json["clients"]] == ["client2"]


def test_nothing_left_in_data_folder_by_refused_segment(client, app):
    from pathlib import Path
    post_segment(client, imageIndex=0, clientId="../x", audioBase64="QUJD")
    assert not [f for f in data_files(Path(app.config["DATA_DIR"])) if "recordings" in f]


@pytest.mark.parametrize("encoded", [
    lambda audio: '"' + b64(audio) + '"',                        # plain: lifted from the raw body
    lambda audio: '"' + b64(audio).replace("/", "\\/") + '"',    # escaped: parsed as JSON
    lambda audio: '"' + "\\n".join(b64(audio)[i:i + 76] for i in range(0, len(b64(audio)), 76)) + '"',
], ids=["plain", "escaped-slashes", "line-breaks"])
def test_segment_audio_is_the_same_however_the_json_encodes_it(client, app, encoded):
    audio = bytes(range(256)) * 40  # every byte value, so "/" and "+" appear in the base64
    raw = ('{"sessionId": "s9", "clientId": "c9", "imageIndex": 1, "audioBase64": '
           + encoded(audio) + "}")
    response = client.post("/api/session/segment", data=raw, content_type="application/json")
    assert response.status_code == 200, response.json
    assert stored(app, "recordings/s9/c9_1.m4a") == audio


def test_two_evaluators_never_share_a_segment_file(client, app, m4a_audio):
    """Same sessionId/clientId/imageIndex from two evaluators: two records, two files, each
    evaluator's audio read back as sent (the first keeps the usual name)."""
    for evaluator, audio in (("evaluator1", m4a_audio[0]), ("evaluator2", m4a_audio[1]),
                             ("evaluator1", m4a_audio[2])):
        assert post_segment(client, sessionId="sess_shared", evaluatorId=evaluator, clientId="client1",
                            imageIndex=4, audioBase64=b64(audio)).status_code == 200
    with app.app_context():
        rows = db.session.scalars(db.select(LiveSegment).filter_by(session_id="sess_shared")
                                  .order_by(LiveSegment.evaluator_id)).all()
        keys = {row.evaluator_id: row.audio_key for row in rows}
    assert keys == {"evaluator1": "recordings/sess_shared/client1_4.m4a",
                    "evaluator2": "recordings/sess_shared/evaluators/evaluator2/client1_4.m4a"}
    assert stored(app, keys["evaluator1"]) == m4a_audio[2]
    assert stored(app, keys["evaluator2"]) == m4a_audio[1]
