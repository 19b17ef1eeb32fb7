"""The per-user relay across gunicorn processes (facial_backend/realtime/user_relay.py), on a
redis-server of the test's own (a free loopback port), so the test can stop and start it:
signals between sockets of one process never touch Redis, signals for another process go to
that process only, and with Redis gone the sender is told ``relay_unavailable`` until, Redis
back, delivery resumes within seconds."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import time

import pytest
import redis

from facial_backend.config import parse_bool
from tests.live.conftest import WAIT_S, session_across

pytestmark = [pytest.mark.live,
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")]

PREFIX = "relaytest"
RELAY_RESUME_S = 3.0  # bound on signals flowing again once Redis is back (listener: every 0.5 s)
# python-socketio's queue: with the fast path it listens again every 0.5 s; stock, after 1, 2, 4 s
QUEUE_RESUME_S = 3.0 if parse_bool(os.environ.get("SOCKET_FAST_PATH", "true")) else 15.0


class OwnRedis:
    """A redis-server on a free loopback port, without persistence."""

    def __init__(self, tmp_path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = tmp_path / "redis.log"
        self.process: subprocess.Popen | None = None
        self.client = redis.Redis(port=self.port, socket_timeout=WAIT_S)

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)  # polling for the server to listen, bounded

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WAIT_S)
        self.client.close()

    def publishes(self) -> int:
        return int(self.client.info("commandstats").get("cmdstat_publish", {}).get("calls", 0))

    def subscribers(self, channel: str) -> int:
        return dict(self.client.pubsub_numsub(channel))[channel.encode()]


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def servers(live_server_factory, own_redis):
    env = {"REDIS_URL": own_redis.url, "REDIS_CHANNEL_PREFIX": PREFIX,
           "SOCKET_RATE_LIMIT": "10000", "SOCKET_RATE_BURST": "10000"}
    return lambda count: [live_server_factory(env) for _ in range(count)]


def user_channel(user_id: str) -> str:
    return f"{PREFIX}:relay:user:{user_id}"


def signal(target: str, n: int) -> dict:
    return {"targetUserId": target, "signal": {"n": n}}


def poll(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"no {what} within {timeout}s"
        time.sleep(0.05)
    return value


def test_signals_between_sockets_of_one_process_never_touch_redis(servers, own_redis, sockets,
                                                                  demo_users):
    (one,) = servers(1)
    evaluator, client, _ = session_across(sockets, one.base_url, one.base_url)
    client.wait("session_started")
    before = own_redis.publishes()
    for n in range(100):
        evaluator.emit("webrtc_signal", signal("client2", n))
        client.emit("webrtc_signal", signal("evaluator2", n))
    assert [client.wait("webrtc_signal")["signal"]["n"] for _ in range(100)] == list(range(100))
    assert [evaluator.wait("webrtc_signal")["signal"]["n"] for _ in range(100)] == list(range(100))
    evaluator.emit("image_update", {"imageIndex": 1, "imageUrl": "u1", "sentAt": 5})
    assert client.wait("image_update") == {"imageIndex": 1, "imageUrl": "u1", "sentAt": 5}
    assert own_redis.publishes() == before


def test_signals_for_another_process_go_to_that_process_only(servers, own_redis, sockets,
                                                             demo_users):
    one, other, idle = servers(3)
    bystander = sockets(idle.base_url)
    bystander.register("evaluator1", "evaluator")  # the idle process hosts a user of its own
    evaluator, client, _ = session_across(sockets, one.base_url, other.base_url)
    client.wait("session_started")
    # Each user's channel is received by the one process hosting the user, and by no other.
    channels = sorted(own_redis.client.pubsub_channels(f"{PREFIX}:relay:user:*"))
    assert channels == [user_channel(u).encode() for u in ("client2", "evaluator1", "evaluator2")]
    assert [own_redis.subscribers(user_channel(u)) for u in ("client2", "evaluator1", "evaluator2")] \
        == [1, 1, 1]

    before = own_redis.publishes()
    for n in range(200):  # one with a binary attachment, in the stream
        evaluator.emit("webrtc_signal", {"targetUserId": "client2",
                                         "signal": {"n": n, "blob": b"\x00\xff"} if n == 100 else {"n": n}})
    got = [client.wait("webrtc_signal")["signal"] for _ in range(200)]
    assert [item["n"] for item in got] == list(range(200))
    assert got[100] == {"n": 100, "blob": b"\x00\xff"}
    client.emit("webrtc_signal", signal("evaluator2", 0))
    assert evaluator.wait("webrtc_signal") == {"fromUserId": "client2", "signal": {"n": 0}}
    assert own_redis.publishes() - before == 201  # one PUBLISH each, on the peer's channel only
    with pytest.raises(queue.Empty):
        bystander.wait("webrtc_signal", timeout=0.3)

    client.close()  # its process drops the user's channel with the user's last socket
    poll(lambda: own_redis.subscribers(user_channel("client2")) == 0, WAIT_S, "unsubscribe")


def wait_error(recorder, event: str) -> dict:
    error = recorder.wait("error")
    assert (error["code"], error["event"]) == ("relay_unavailable", event), error
    return error


def test_redis_down_tells_the_sender_and_delivery_resumes_when_it_is_back(servers, own_redis,
                                                                         sockets, demo_users):
    one, other = servers(2)
    evaluator, client, session_id = session_across(sockets, one.base_url, other.base_url)
    assert client.wait("session_started")["sessionId"] == session_id
    evaluator.emit("webrtc_signal", signal("client2", -1))
    assert client.wait("webrtc_signal")["signal"] == {"n": -1}

    own_redis.stop()
    evaluator.emit("webrtc_signal", signal("client2", 0))
    wait_error(evaluator, "webrtc_signal")
    evaluator.emit("image_update", {"imageIndex": 2, "imageUrl": "u2"})
    wait_error(evaluator, "image_update")
    client.emit("image_ack", {"sentAt": 1, "receivedAt": 2})
    wait_error(client, "image_ack")
    evaluator.emit("start_session", {"clientId": "client2"})
    wait_error(evaluator, "start_session")  # refused before any session was made
    with pytest.raises(queue.Empty):
        client.wait("webrtc_signal", timeout=0.3)

    own_redis.start()
    back = time.monotonic()
    n = 0

    def delivered() -> bool:
        nonlocal n
        n += 1
        evaluator.emit("webrtc_signal", signal("client2", n))
        try:
            return client.wait("webrtc_signal", timeout=0.2) is not None
        except queue.Empty:
            return False
    poll(delivered, RELAY_RESUME_S, "signal after Redis came back")
    resumed_in = time.monotonic() - back
    # The refused start_session left the session as it was: its members still relay.
    client.emit("webrtc_signal", signal("evaluator2", 1))
    assert evaluator.wait("webrtc_signal", skip=("clients_updated", "error"))["signal"] == {"n": 1}
    assert resumed_in < RELAY_RESUME_S

    # python-socketio's queue listens again too: a new session reaches the other process.
    poll(lambda: own_redis.subscribers(f"{PREFIX}:socketio") == 2, QUEUE_RESUME_S, "queue listeners")
    evaluator.emit("start_session", {"clientId": "client2"})
    started = evaluator.wait("session_started", skip=("clients_updated", "error", "session_ended"))
    assert client.wait("session_started", skip=("clients_updated", "session_ended"))["sessionId"] \
        == started["sessionId"] != session_id


def test_the_queue_listens_again_steadily_only_behind_the_fence():
    """python-socketio's Redis queue: the steady listener (a private override) only with the fast
    path; the stock RedisManager otherwise; both fail fast on publish (one retry, no backoff)."""
    from socketio import RedisManager

    from facial_backend.realtime import fast_path, socket_queue
    steady = fast_path.queue_manager(True, "redis://127.0.0.1:1/0", "c")
    stock = fast_path.queue_manager(False, "redis://127.0.0.1:1/0", "c")
    assert type(steady) is socket_queue.SteadyRedisManager and type(stock) is RedisManager
    assert stock.redis_options["retry"].get_retries() == 1
