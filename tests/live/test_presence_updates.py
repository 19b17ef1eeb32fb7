"""clients_updated on a real gunicorn gevent worker: only the evaluators of the package whose
clients changed get it, with that package's clients only; a burst of registrations is coalesced
into a few updates whose last one is the final list; across two processes through Redis (db 10);
fast path on and off."""

from __future__ import annotations

import queue
import time

import pytest

from tests import isolation
from tests.live.conftest import Recorder

pytestmark = pytest.mark.live
REDIS_URL = isolation.redis_url("redis://127.0.0.1:6379/4")  # the suite's fourth Redis database
INTERVAL_S = 0.5
DEADLINE_S = 15.0


def _updates(recorder: Recorder) -> list[list[str]]:
    """The clients lists of the clients_updated events received so far."""
    got = []
    while True:
        try:
            name, data = recorder.events.get_nowait()
        except queue.Empty:
            return got
        if name == "clients_updated":
            got.append(data["clients"])


def _until(recorder: Recorder, clients: list[str]) -> list[list[str]]:
    """Every update received until one lists exactly ``clients`` (in any order; bounded wait)."""
    seen: list[list[str]] = []
    deadline = time.monotonic() + DEADLINE_S
    while not seen or sorted(seen[-1]) != sorted(clients):
        assert time.monotonic() < deadline, seen[-3:]
        try:
            name, data = recorder.events.get(timeout=0.1)
        except queue.Empty:
            continue
        if name == "clients_updated":
            seen.append(data["clients"])
    return seen


@pytest.mark.parametrize("fast_path", ["true", "false"])
def test_only_the_packages_evaluators_get_its_clients_coalesced(live_server_factory, sockets, fast_path):
    server = live_server_factory({"SOCKET_FAST_PATH": fast_path,
                                  "PRESENCE_UPDATE_INTERVAL": str(INTERVAL_S)})
    evaluator_a = sockets(server.base_url)
    evaluator_a.register("eva", "evaluator", "socketio")
    evaluator_b = sockets(server.base_url)
    evaluator_b.register("evb", "evaluator", "webrtc")
    other_client = sockets(server.base_url)
    other_client.register("other", "client", "mqtt")
    clients = [sockets(server.base_url) for _ in range(20)]
    started = time.monotonic()
    for i, client in enumerate(clients):
        client.emit("register", {"userId": f"c{i:02d}", "role": "client", "package": "socketio"})
    expected = [f"c{i:02d}" for i in range(20)]
    seen = _until(evaluator_a, expected)
    elapsed = time.monotonic() - started
    assert len(seen) <= elapsed / INTERVAL_S + 2, (len(seen), elapsed)
    assert len(seen) < len(clients)
    assert all(set(update) <= set(expected) for update in seen)  # package A's clients only
    clients[0].close()
    assert sorted(_until(evaluator_a, expected[1:])[-1]) == expected[1:]
    time.sleep(INTERVAL_S * 2)  # any late update would have arrived by now
    assert _updates(evaluator_a) == []
    assert _updates(evaluator_b) == []  # another package: nothing
    assert _updates(other_client) == []  # clients never get it
    assert all(_updates(client) == [] for client in clients[1:])


def test_evaluator_changing_package_follows_the_new_one(live_server_factory, sockets):
    server = live_server_factory({"PRESENCE_UPDATE_INTERVAL": str(INTERVAL_S)})
    evaluator = sockets(server.base_url)
    evaluator.register("eva", "evaluator", "socketio")
    evaluator.register("eva", "evaluator", "webrtc")
    webrtc_client = sockets(server.base_url)
    webrtc_client.register("w1", "client", "webrtc")
    assert _until(evaluator, ["w1"])[-1] == ["w1"]
    socketio_client = sockets(server.base_url)
    socketio_client.register("s1", "client", "socketio")
    webrtc_client.register("w1", "client", "socketio")  # the client moves: webrtc loses it
    assert _until(evaluator, [])[-1] == []
    time.sleep(INTERVAL_S * 2)
    assert all("s1" not in update for update in _updates(evaluator))


def test_across_processes_through_redis(live_server_factory, sockets):
    env = {"REDIS_URL": REDIS_URL, "PRESENCE_UPDATE_INTERVAL": str(INTERVAL_S)}
    first, second = live_server_factory(env), live_server_factory(env)
    evaluator = sockets(first.base_url)
    evaluator.register("eva", "evaluator", "socketio")
    other_evaluator = sockets(first.base_url)
    other_evaluator.register("evb", "evaluator", "webrtc")
    client = sockets(second.base_url)
    client.register("remote", "client", "socketio")
    assert _until(evaluator, ["remote"])[-1] == ["remote"]
    client.close()
    assert _until(evaluator, [])[-1] == []
    assert _updates(other_evaluator) == []
