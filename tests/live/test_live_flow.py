"""The apps' whole flow against a real gunicorn gevent process, with python-socketio clients
over the WebSocket transport: login, register, client list, start, ten image
updates with acks and a segment per image change, end; plus ordering, limits and grace."""

from __future__ import annotations

import base64
import queue

import pytest
import requests
import websocket

from tests.live.conftest import WAIT_S

pytestmark = pytest.mark.live


def login(base: str, user_id: str, password: str) -> str:
    response = requests.post(f"{base}/api/auth/login", json={"userId": user_id, "password": password},
                             timeout=WAIT_S)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def post_segment(base: str, session_id: str, index: int, audio: bytes) -> str:
    """As SegmentService.ts: JSON, null fields omitted."""
    body = {"sessionId": session_id, "evaluatorId": "evaluator1", "clientId": "client1",
            "imageIndex": index, "signedUrl": f"https://picsum.photos/seed/img{index + 1}/800/600",
            "audioBase64": base64.b64encode(audio).decode()}
    response = requests.post(f"{base}/api/session/segment", json=body, timeout=WAIT_S)
    assert response.status_code == 200, response.text
    assert response.json()["ok"] is True
    return response.json()["segmentId"]


def fetch_audio(base: str, segment_id: str, token: str) -> bytes:
    response = requests.get(f"{base}/api/session/segments/{segment_id}/audio",
                            headers={"Authorization": f"Bearer {token}"}, timeout=WAIT_S)
    assert response.status_code == 200, response.text
    return response.content


def start_pair(base, sockets, eval_token=None, client_token=None, package="socketio"):
    client = sockets(base, client_token)
    client.register("client1", "client", package)
    evaluator = sockets(base, eval_token)
    evaluator.register("evaluator1", "evaluator", package)
    evaluator.emit("start_session", {"clientId": "client1"})
    mine = evaluator.wait("session_started")
    theirs = client.wait("session_started")
    return evaluator, client, mine, theirs


def test_whole_session_over_websocket(live_server, sockets, demo_users, m4a_audio):
    base = live_server.base_url
    eval_token = login(base, "evaluator1", "eval1")
    client_token = login(base, "client1", "client1")
    evaluator, client, mine, theirs = start_pair(base, sockets, eval_token, client_token)
    session_id = mine["sessionId"]
    assert mine == {"sessionId": session_id, "clientId": "client1"}
    assert theirs == {"sessionId": session_id, "evaluatorId": "evaluator1",
                      "evaluatorName": "Evaluator One"}
    listed = requests.get(f"{base}/api/clients?package=socketio", timeout=WAIT_S).json()
    assert listed == {"clients": [{"id": "client1", "name": "Client One", "online": True,
                                   "inSession": True}]}

    segment_ids = []
    for index in range(10):
        url = f"https://picsum.photos/seed/img{index + 1}/800/600"
        evaluator.emit("image_update", {"imageIndex": index, "imageUrl": url, "signedUrl": url,
                                        "sentAt": 1_700_000_000_000 + index})
        update = client.wait("image_update")
        assert update == {"imageIndex": index, "imageUrl": url, "signedUrl": url,
                          "sentAt": 1_700_000_000_000 + index}
        client.emit("image_ack", {"sentAt": update["sentAt"], "receivedAt": update["sentAt"] + 7})
        assert evaluator.wait("image_ack") == {"sentAt": update["sentAt"],
                                               "receivedAt": update["sentAt"] + 7}
        if index > 0:  # the image changed: the previous image's segment
            segment_ids.append(post_segment(base, session_id, index - 1, m4a_audio[index - 1]))
    evaluator.emit("end_session")
    assert evaluator.wait("session_ended") == {}
    assert client.wait("session_ended") == {}
    segment_ids.append(post_segment(base, session_id, 9, m4a_audio[9]))

    listing = requests.get(f"{base}/api/session/segments", params={"sessionId": session_id},
                           headers={"Authorization": f"Bearer {eval_token}"}, timeout=WAIT_S).json()
    assert [s["id"] for s in listing["segments"]] == segment_ids
    assert [s["imageIndex"] for s in listing["segments"]] == list(range(10))
    for index, segment_id in enumerate(segment_ids):
        assert fetch_audio(base, segment_id, eval_token) == m4a_audio[index]
    assert evaluator.events.empty() and client.events.empty()


def test_hundreds_of_back_to_back_signals_arrive_in_order(live_server, sockets, demo_users):
    evaluator, client, _, _ = start_pair(live_server.base_url, sockets, package="webrtc")
    evaluator.emit("webrtc_signal", {"targetUserId": "client1", "signal": {"type": "offer", "sdp": "o"}})
    for i in range(300):
        evaluator.emit("webrtc_signal", {"targetUserId": "client1",
                                         "signal": {"candidate": f"candidate:{i}", "sdpMid": "0"}})
    assert client.wait("webrtc_signal") == {"fromUserId": "evaluator1",
                                            "signal": {"type": "offer", "sdp": "o"}}
    got = [client.wait("webrtc_signal")["signal"]["candidate"] for _ in range(300)]
    assert got == [f"candidate:{i}" for i in range(300)]


def test_rate_limit_and_huge_payload(live_server_factory, sockets, demo_users):
    server = live_server_factory({"SOCKET_RATE_LIMIT": "50", "SOCKET_RATE_BURST": "100"})
    evaluator, client, _, _ = start_pair(server.base_url, sockets)
    for i in range(400):
        evaluator.emit("webrtc_signal", {"targetUserId": "client1", "signal": {"n": i}})
    assert evaluator.wait("error")["code"] == "rate_limited"
    received = []
    while True:
        try:
            received.append(client.wait("webrtc_signal", timeout=2)["signal"]["n"])
        except queue.Empty:
            break
    assert 97 <= len(received) < 200 and received == sorted(received)

    evaluator.emit("webrtc_signal", {"targetUserId": "client1", "signal": {"sdp": "x" * 300_000}})
    assert evaluator.wait("disconnect", skip=("clients_updated", "error")) is not None
    with pytest.raises(queue.Empty):
        client.wait("webrtc_signal", timeout=1, skip=("clients_updated", "session_suspended"))


def test_websocket_upgrades_settle_without_compression(live_server_factory):
    """Clients offer permessage-deflate; the relay answers with plain frames (see
    facial_backend/realtime/websocket_compression.py, part of the fast path), and the
    connection works."""
    live_server = live_server_factory({"SOCKET_FAST_PATH": "true"})
    url = live_server.base_url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(
        url, timeout=10,
        header=["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"])
    try:
        assert "sec-websocket-extensions" not in {k.lower() for k in ws.getheaders()}
        assert ws.recv().startswith("0{")  # engine.io open packet
        ws.send("40")  # socket.io connect to the default namespace
        assert ws.recv().startswith("40")
    finally:
        ws.close()
