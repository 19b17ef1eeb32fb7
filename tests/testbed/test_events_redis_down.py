"""Live events while Redis is away (issue 20): a redis-server of the test's own, stopped and
started again on the same port. Events raised meanwhile are kept, in order, and arrive once
after Redis returns; a full outbox refuses the publishing routes up front; /readyz tells."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests

from facial_backend.realtime import event_redis, events, redis_channels
from tests.testbed.conftest import WAIT_S, SioClient, WsClient, new_note, new_session
from tests.testbed.test_live_events import api, new_sid

ROOT = Path(__file__).resolve().parents[2]
RETURN_S = 5.0  # events kept during the outage arrive within this long of Redis's return
METRICS_TOKEN = "metrics-token-of-the-redis-down-tests"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server on a loopback port of its own, without persistence, that can be stopped
    and started again on the same port."""

    def __init__(self, log_dir):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self, *options: str) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--logfile", str(self.log_dir / f"redis-{self.port}.log"), *options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + WAIT_S
        while not self.answers():
            assert self.process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)  # polling for the server's start, with a deadline

    def answers(self) -> bool:
        """Whether it takes connections (a NOAUTH answer counts: it is up)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(64).startswith((b"+PONG", b"-NOAUTH"))
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WAIT_S)
        self.process = None


@pytest.fixture
def redis_server(tmp_path):
    if subprocess.run(["which", "redis-server"], capture_output=True).returncode:
        pytest.skip("no redis-server")
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def _until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)  # polling a condition, with a deadline
    return result


def _readyz(base: str) -> tuple[int, dict]:
    response = requests.get(base + "/readyz", timeout=WAIT_S)
    return response.status_code, response.json()


def _queued_told(base: str, count: int) -> tuple[int, dict] | None:
    """/readyz's answer once its Redis check tells ``count`` queued events."""
    status, body = _readyz(base)
    return (status, body) if body["checks"]["redis"].endswith(f"live events queued: {count}") else None


@pytest.mark.live
def test_events_raised_while_redis_is_down_arrive_once_in_order_after_it_returns(
        live_server_factory, redis_server):
    env = {"REDIS_URL": redis_server.url, "METRICS_TOKEN": METRICS_TOKEN}
    writer, watcher = live_server_factory(env), live_server_factory(env)
    sid = new_sid(writer.base_url)
    remote, local = WsClient(watcher.base_url, sid), WsClient(writer.base_url, sid)
    sio = SioClient(watcher.base_url, sid)
    try:
        assert remote.next()["event"] == "connected" and local.next()["event"] == "connected"
        assert sio.ack["ok"] and sio.next()[0] == "connected"
        before = api(writer.base_url, "post", f"/api/sessions/{sid}/notes",
                     json={"timestamp": "2025-01-26T10:32:15Z", "content": "before"})
        for client in (remote, local):
            assert client.next()["data"]["id"] == before["id"]
        assert sio.next()[1]["data"]["id"] == before["id"]

        redis_server.stop()
        notes = [api(writer.base_url, "post", f"/api/sessions/{sid}/notes",
                     json={"timestamp": "2025-01-26T10:32:15Z", "content": f"during {number}"})
                 for number in range(20)]
        status, body = _until(lambda: _queued_told(writer.base_url, 20), WAIT_S, "/readyz tells the 20 events")
        assert status == 503 and body["status"] == "unavailable"
        assert body["checks"]["redis"].startswith("error: ")

        redis_server.start()
        returned = time.monotonic()
        for client in (remote, local, sio):
            if client is not sio:
                client.ws.settimeout(RETURN_S)
            got = [(client.next()[1] if client is sio else client.next())["data"]["id"] for _ in notes]
            assert got == [note["id"] for note in notes]
        print(f"\nall events of the outage delivered {time.monotonic() - returned:.2f} s after Redis returned")
        assert time.monotonic() - returned < RETURN_S
        for client in (remote, local):  # nothing twice: the next frame is the answer to a ping
            client.ws.send("ping")
            assert client.next() == "pong"
        assert sio.events.empty()
        _until(lambda: _readyz(writer.base_url)[0] == 200, WAIT_S, "/readyz ready again")
        metrics = requests.get(writer.base_url + "/metrics", timeout=WAIT_S,
                               headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert "\nlive_events_queued 0.0\n" in metrics.text
        assert "\nredis_publish_failures_total 20.0\n" in metrics.text
    finally:
        remote.close()
        local.close()
        sio.close()


def test_a_listener_away_longer_than_the_writer_gets_what_was_appended_meanwhile_once(redis_server):
    """A stream, not pub/sub: events another process appended while this process's listener could
    not read (here Redis asks for a password the listener lacks) arrive when it is back, in
    order; an entry appended twice (a lost reply) is delivered once."""
    got: list[tuple[str, str]] = []
    emitted: list[str] = []
    key = "test:session_events"
    listener = event_redis.RedisRelay(redis_server.url, key, lambda sid, text: got.append((sid, text)),
                                      lambda sid, event, body: emitted.append(event))
    assert listener.listen(WAIT_S)
    redis_server.stop()
    redis_server.start("--requirepass", "secret")
    locked = redis_server.url.replace("redis://", "redis://:secret@")
    writer = event_redis.RedisRelay(locked, key, got.append, got.append)
    for number in range(3):
        writer.send("sess_a", "progress", events.envelope("sess_a", "progress", {"n": number}))
    direct = redis.Redis.from_url(locked)
    _until(lambda: direct.xlen(key) == 3, RETURN_S, "the writer appended while the listener is locked out")
    assert got == []
    direct.config_set("requirepass", "")
    _until(lambda: len(got) == 3, RETURN_S, "the listener read what it missed")
    assert [json.loads(text)["data"]["n"] for _sid, text in got] == [0, 1, 2] and emitted == ["progress"] * 3
    direct.xadd(key, direct.xrange(key)[-1][1])  # the last entry again, as a retried append would
    writer.send("sess_a", "progress", events.envelope("sess_a", "progress", {"n": 3}))
    _until(lambda: len(got) >= 4, RETURN_S, "the next event")
    direct.close()
    assert [json.loads(text)["data"]["n"] for _sid, text in got] == [0, 1, 2, 3]


def test_a_listener_that_starts_while_redis_is_away_gets_what_is_appended_from_then_on(redis_server):
    got: list[str] = []
    key = "test:session_events"
    redis_server.stop()
    listener = event_redis.RedisRelay(redis_server.url, key, lambda sid, text: got.append(text),
                                      lambda sid, event, body: None)
    assert not listener.listen(0.3)  # no place in the stream yet: Redis is away
    redis_server.start("--requirepass", "secret")  # back, but not for the listener yet
    locked = redis_server.url.replace("redis://", "redis://:secret@")
    writer = event_redis.RedisRelay(locked, key, got.append, got.append)
    writer.send("sess_a", "progress", events.envelope("sess_a", "progress", {"n": 0}))
    direct = redis.Redis.from_url(locked)
    _until(lambda: direct.xlen(key) == 1, RETURN_S, "the writer appended")
    direct.config_set("requirepass", "")
    direct.close()
    assert listener.listen(RETURN_S)
    _until(lambda: got, RETURN_S, "the event appended before the listener first got in")
    assert [json.loads(text)["data"] for text in got] == [{"n": 0}]


def test_a_process_that_exits_first_hands_its_queued_events_to_redis(redis_server):
    script = ("from facial_backend.realtime import event_redis\n"
              f"relay = event_redis.relay_for({redis_server.url!r}, 'test:exit', print, print)\n"
              "for n in range(50):\n"
              "    relay.send('sess_a', 'progress', '{\"event\":\"progress\",\"data\":%d}' % n)\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60, cwd=ROOT)
    direct = redis.Redis.from_url(redis_server.url)
    texts = [json.loads(fields[b"text"])["data"] for _id, fields in direct.xrange("test:exit")]
    direct.close()
    assert texts == list(range(50))


def test_a_full_outbox_refuses_publishing_routes_before_they_act_and_drains_in_order(
        make_app, redis_server, monkeypatch):
    monkeypatch.setattr(event_redis, "OUTBOX_SIZE", 3)
    monkeypatch.setattr(event_redis, "OVERFLOW", 2)
    app = make_app(REDIS_URL=redis_server.url)
    client = app.test_client()
    sid = new_session(client)["id"]
    with app.app_context():
        assert set(events.PUBLISHING_ENDPOINTS) <= set(app.view_functions)
        key = redis_channels.events_channel(app.config)
    redis_server.stop()
    for number in range(3):
        new_note(client, sid, content=f"kept {number}")
    relay = event_redis.existing(redis_server.url, key)
    _until(lambda: relay.queued() == 3 and relay.failing_since is not None, WAIT_S, "three events held")
    assert not relay.has_room()

    refused = client.post(f"/api/sessions/{sid}/notes",
                          json={"timestamp": "2025-01-26T10:32:15Z", "content": "refused"})
    assert refused.status_code == 503
    assert refused.json["code"] == "events_unavailable" and "Redis" in refused.json["error"]
    assert refused.headers["Retry-After"] == "5"
    listed = client.get(f"/api/sessions/{sid}/notes").json  # readers and other writers go on
    assert [note["content"] for note in listed] == ["kept 0", "kept 1", "kept 2"]
    assert client.post("/api/sessions", json={"name": "other"}).status_code == 200

    with app.app_context():  # publishers past the check (the STT worker) use the overflow, then drop
        assert [relay.send(sid, "progress", events.envelope(sid, "progress", {"n": n})) for n in range(3)] \
            == [True, True, False]
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json["checks"]["redis"].endswith("; live events queued: 5")

    redis_server.start()
    _until(lambda: relay.queued() == 0 and relay.failing_since is None, RETURN_S, "the outbox drained")
    direct = redis.Redis.from_url(redis_server.url)
    bodies = [json.loads(fields[b"text"]) for _id, fields in direct.xrange(key)]
    direct.close()
    assert [body["data"].get("content", body["data"].get("n")) for body in bodies] \
        == ["kept 0", "kept 1", "kept 2", 0, 1]
    assert client.post(f"/api/sessions/{sid}/notes",
                       json={"timestamp": "2025-01-26T10:32:15Z", "content": "again"}).status_code == 200
