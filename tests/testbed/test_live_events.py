"""Live events against real gunicorn gevent processes: raw WebSocket and Socket.IO clients."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from tests.testbed.conftest import WAIT_S, SioClient, WsClient

pytestmark = pytest.mark.live


def api(base: str, method: str, path: str, **kwargs) -> dict:
    response = requests.request(method, base + path, timeout=WAIT_S, **kwargs)
    assert response.status_code in (200, 201), response.text
    return response.json()


def make_calls(base: str, sid: str) -> list[tuple[str, dict]]:
    """Every kind of event, through REST; the (event, data) each should produce."""
    note = api(base, "post", f"/api/sessions/{sid}/notes",
               json={"timestamp": "2025-01-26T10:32:15Z", "content": "a", "tags": ["t"]})
    updated = api(base, "put", f"/api/sessions/{sid}/notes/{note['id']}", json={"content": "b"})
    appended = api(base, "patch", f"/api/sessions/{sid}/notes/{note['id']}", json={"append_content": "c"})
    api(base, "delete", f"/api/sessions/{sid}/notes/{note['id']}")
    task = api(base, "post", f"/api/sessions/{sid}/stt/tasks", json={"audio_chunk_id": "a1"})
    done = api(base, "put", f"/api/sessions/{sid}/stt/tasks/{task['id']}", json={"status": "done", "transcript": "t"})
    other = api(base, "post", f"/api/sessions/{sid}/stt/tasks", json={"audio_chunk_id": "a2"})
    api(base, "put", f"/api/sessions/{sid}/stt/tasks/{other['id']}", json={"status": "failed", "error": "e"})
    ended = api(base, "patch", f"/api/sessions/{sid}", json={"status": "ended"})
    return [("note.created", note), ("note.updated", updated), ("note.appended", appended),
            ("note.deleted", {"id": note["id"]}), ("stt.task.created", task), ("stt.task.done", done),
            ("stt.task.created", other),
            ("error.occurred", {"message": "e", "source": "stt", "task_id": other["id"]}),
            ("session.ended", ended)]


def new_sid(base: str) -> str:
    return api(base, "post", "/api/sessions", json={"name": "live"})["id"]


def test_raw_and_socketio_clients_get_every_event_in_order(live_server):
    base = live_server.base_url
    sid = new_sid(base)
    raw = WsClient(base, sid)
    sio = SioClient(base, sid)
    try:
        assert raw.next() == {"event": "connected", "session_id": sid,
                              "data": {"message": f"Connected to session {sid}"}}
        assert sio.ack == {"ok": True, "session_id": sid}
        assert sio.next()[0] == "connected"
        expected = make_calls(base, sid)
        for name, data in expected:
            assert raw.next() == {"event": name, "session_id": sid, "data": data}
            assert sio.next() == (name, {"event": name, "session_id": sid, "data": data})
        raw.ws.send("ping")
        assert raw.next() == "pong"
        raw.ws.send("anything else is ignored")
        raw.ws.send("ping")
        assert raw.next() == "pong"
    finally:
        raw.close()
        sio.close()


def test_unknown_session_is_told_and_closed_with_1008(live_server):
    client = WsClient(live_server.base_url, "sess_nope")
    assert client.next() == {"event": "session.not_found", "session_id": "sess_nope",
                             "data": {"message": "Session sess_nope not found"}}
    assert client.close_code() == 1008


def test_auth_required_needs_a_token(live_server_factory, make_user):
    _, token = make_user("eng", "operator")
    server = live_server_factory({"AUTH_REQUIRED": "true"})
    sid = api(server.base_url, "post", "/api/sessions", json={"name": "x"},
              headers={"Authorization": f"Bearer {token}"})["id"]
    for query in ("", "?token=forged"):
        refused = WsClient(server.base_url, sid, query)
        assert refused.next()["event"] == "unauthorized"
        assert refused.close_code() == 1008
    allowed = WsClient(server.base_url, sid, f"?token={token}")
    assert allowed.next()["event"] == "connected"
    allowed.close()


def test_a_subscriber_that_stops_reading_does_not_stall_the_posts(live_server):
    base = live_server.base_url
    sid = new_sid(base)
    stalled = WsClient(base, sid, sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
    assert stalled.next()["event"] == "connected"  # and then it reads nothing more
    reader = WsClient(base, sid)
    assert reader.next()["event"] == "connected"
    big = "x" * 900_000
    slowest = 0.0
    for number in range(40):  # 36 MB of events: far beyond what the stalled socket's buffers hold
        started = time.monotonic()
        note = api(base, "post", f"/api/sessions/{sid}/notes",
                   json={"timestamp": "2025-01-26T10:32:15Z", "content": big, "speaker": str(number)})
        slowest = max(slowest, time.monotonic() - started)
        event = reader.next()  # the reader keeps up, one event behind at most
        assert event["event"] == "note.created" and event["data"]["id"] == note["id"]
    assert slowest < 2.0
    # The stalled client was dropped: its connection ends before all 40 events.
    count = 0
    with pytest.raises(Exception):  # noqa: B017 - closed or reset, depending on timing
        for _ in range(41):
            stalled.ws.recv()
            count += 1
    assert count < 40
    stalled.ws.shutdown()
    reader.ws.send("ping")
    assert reader.next() == "pong"
    reader.close()


def test_the_server_pings_and_drops_a_dead_peer(live_server_factory):
    server = live_server_factory({"WS_PING_INTERVAL": "300ms"})
    sid = new_sid(server.base_url)
    alive = WsClient(server.base_url, sid)
    assert alive.next()["event"] == "connected"
    from websocket import ABNF
    pings = 0
    for _ in range(50):  # answer three server pings, then the connection still works
        opcode, data = alive.ws.recv_data(control_frame=True)
        if opcode == ABNF.OPCODE_PING:
            alive.ws.pong(data)
            pings += 1
            if pings == 3:
                break
    assert pings == 3
    alive.ws.send("ping")
    assert alive.next() == "pong"
    alive.close()

    dead = WsClient(server.base_url, sid)  # reads raw bytes, never answers a ping
    assert dead.next()["event"] == "connected"
    raw = dead.ws.sock
    raw.settimeout(WAIT_S)
    data = b""
    for _ in range(1000):
        piece = raw.recv(4096)
        if not piece:
            break
        data += piece
    dead.ws.shutdown()
    assert data.startswith(b"\x89")  # a ping frame came first
    assert b"\x88" in data  # then the close frame, and the server hung up


def test_events_raised_in_another_process_reach_subscribers_without_redis(live_server, app):
    """Without Redis, an event published by any process (here the test's) reaches the raw and
    Socket.IO subscribers of a web process within a second, in order, once each."""
    from facial_backend.realtime import events
    base = live_server.base_url
    sid = new_sid(base)
    raw, sio = WsClient(base, sid), SioClient(base, sid)
    sio.client.on("progress", lambda data: sio.events.put(("progress", data)))
    try:
        assert raw.next()["event"] == "connected" and sio.next()[0] == "connected"
        with app.app_context():
            events.publish(sid, "progress", {"n": -1})  # the first opens this process's connection
            assert raw.next()["data"] == {"n": -1} and sio.events.get(timeout=WAIT_S)[1]["data"] == {"n": -1}
            for number in range(5):  # one by one: each within a second
                events.publish(sid, "progress", {"n": number})
                raw.ws.settimeout(1.0)
                assert raw.next() == {"event": "progress", "session_id": sid, "data": {"n": number}}
                assert sio.events.get(timeout=1.0) == ("progress", {"event": "progress", "session_id": sid,
                                                                    "data": {"n": number}})
            raw.ws.settimeout(WAIT_S)
            for number in range(5, 105):  # a burst: in order, none twice
                events.publish(sid, "progress", {"n": number})
            events.publish(sid, "last", {})
        got = []
        while (event := raw.next())["event"] == "progress":
            got.append(event["data"]["n"])
        assert got == list(range(5, 105)) and event["event"] == "last"
        assert [sio.next()[1]["data"]["n"] for _ in range(100)] == list(range(5, 105))
    finally:
        raw.close()
        sio.close()


def every_event_once_across(writer, watcher) -> None:
    """Events raised through ``writer``'s REST routes reach WebSocket and Socket.IO subscribers on
    ``watcher`` and a WebSocket subscriber on ``writer`` itself, each once, in order."""
    sid = new_sid(writer.base_url)
    remote, local = WsClient(watcher.base_url, sid), WsClient(writer.base_url, sid)
    sio = SioClient(watcher.base_url, sid)
    try:
        assert remote.next()["event"] == "connected" and local.next()["event"] == "connected"
        assert sio.ack["ok"] and sio.next()[0] == "connected"
        for name, data in make_calls(writer.base_url, sid):
            envelope = {"event": name, "session_id": sid, "data": data}
            assert remote.next() == envelope
            assert local.next() == envelope  # once, not twice, on the process that raised it
            assert sio.next() == (name, envelope)
        for client in (remote, local):
            client.ws.send("ping")
            assert client.next() == "pong"
    finally:
        remote.close()
        local.close()
        sio.close()


def test_two_processes_without_redis_share_every_event_once(live_server_factory):
    every_event_once_across(live_server_factory(), live_server_factory())


def test_a_stt_workers_events_reach_the_browser_without_redis(live_server_factory, worker_process):
    settings = {"STT_ENGINE": "fake"}
    server = live_server_factory(settings)
    worker = worker_process(settings, "--poll-interval", "0.2")
    worker.wait_for("started")  # start-up may take longer than an event's wait on a busy machine
    sid = new_sid(server.base_url)
    subscriber = WsClient(server.base_url, sid)
    try:
        assert subscriber.next()["event"] == "connected"
        response = requests.post(f"{server.base_url}/api/sessions/{sid}/stt/upload", timeout=WAIT_S,
                                 files={"file": ("memo.m4a", b"\x00\x00\x00\x20ftypM4A audio", "audio/m4a")})
        assert response.status_code == 201, response.text
        names = [subscriber.next()["event"] for _ in range(3)]
        assert names == ["stt.task.created", "transcript.chunk.ready", "stt.task.done"]
        subscriber.ws.send("ping")
        assert subscriber.next() == "pong"  # nothing twice before it
    finally:
        subscriber.close()
