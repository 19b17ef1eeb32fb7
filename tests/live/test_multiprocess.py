"""Two gunicorn processes sharing the database and the machine's Redis: the evaluator on one,
the client on the other, and the whole flow still works (rooms per user, Redis message queue)."""

from __future__ import annotations

import queue

import pytest
import requests

from tests.live.conftest import REDIS_URL, WAIT_S, session_across

pytestmark = pytest.mark.live


@pytest.fixture
def two_servers(live_server_factory):
    env = {"REDIS_URL": REDIS_URL, "SESSION_GRACE_SECONDS": "1"}
    return live_server_factory(env), live_server_factory(env)


def test_evaluator_and_client_on_different_processes(two_servers, sockets, demo_users):
    one, other = two_servers
    client = sockets(other.base_url, demo_users["client1"])
    client.register("client1", "client", "webrtc")
    listed = requests.get(f"{one.base_url}/api/clients?package=webrtc", timeout=WAIT_S).json()
    assert [c["id"] for c in listed["clients"]] == ["client1"]

    evaluator = sockets(one.base_url, demo_users["evaluator1"])
    evaluator.register("evaluator1", "evaluator", "webrtc")
    evaluator.emit("start_session", {"clientId": "client1"})
    session_id = evaluator.wait("session_started")["sessionId"]
    assert client.wait("session_started") == {"sessionId": session_id, "evaluatorId": "evaluator1",
                                              "evaluatorName": "Evaluator One"}

    evaluator.emit("webrtc_signal", {"targetUserId": "client1", "signal": {"type": "offer", "sdp": "o"}})
    for i in range(200):
        evaluator.emit("webrtc_signal", {"targetUserId": "client1", "signal": {"candidate": str(i)}})
    assert client.wait("webrtc_signal")["signal"] == {"type": "offer", "sdp": "o"}
    assert [client.wait("webrtc_signal")["signal"]["candidate"] for _ in range(200)] == \
        [str(i) for i in range(200)]
    client.emit("webrtc_signal", {"targetUserId": "evaluator1", "signal": {"type": "answer", "sdp": "a"}})
    assert evaluator.wait("webrtc_signal") == {"fromUserId": "client1",
                                               "signal": {"type": "answer", "sdp": "a"}}

    evaluator.emit("image_update", {"imageIndex": 0, "imageUrl": "u0", "sentAt": 11})
    assert client.wait("image_update") == {"imageIndex": 0, "imageUrl": "u0", "sentAt": 11}
    client.emit("image_ack", {"sentAt": 11, "receivedAt": 12})
    assert evaluator.wait("image_ack") == {"sentAt": 11, "receivedAt": 12}

    evaluator.emit("end_session")
    assert evaluator.wait("session_ended") == {}
    assert client.wait("session_ended") == {}


def test_client_lost_on_another_process_reaches_the_evaluator(two_servers, sockets, demo_users):
    one, other = two_servers
    evaluator, client, session_id = session_across(sockets, one.base_url, other.base_url)
    assert client.wait("session_started")["sessionId"] == session_id
    client.drop()
    assert evaluator.wait("session_suspended")["sessionId"] == session_id
    assert evaluator.wait("session_ended", timeout=5) == {}


def test_client_leaving_on_purpose_on_another_process_ends_at_once(two_servers, sockets, demo_users):
    one, other = two_servers
    evaluator, client, session_id = session_across(sockets, one.base_url, other.base_url)
    assert client.wait("session_started")["sessionId"] == session_id
    client.close()
    assert evaluator.wait("session_ended", timeout=1.0) == {}


def test_no_signal_crosses_once_the_session_ended_elsewhere(two_servers, sockets, demo_users):
    """The client's process had its membership cached; the evaluator ends the session on the
    other process; a signal the client sends as soon as it hears ``session_ended`` is refused."""
    one, other = two_servers
    client = sockets(other.base_url)
    client.register("client1", "client", "webrtc")
    evaluator = sockets(one.base_url)
    evaluator.register("evaluator1", "evaluator", "webrtc")
    for _ in range(3):
        evaluator.emit("start_session", {"clientId": "client1"})
        evaluator.wait("session_started", skip=("clients_updated", "session_ended"))
        client.wait("session_started", skip=("clients_updated", "session_ended"))
        client.emit("webrtc_signal", {"targetUserId": "evaluator1", "signal": {"type": "answer"}})
        assert evaluator.wait("webrtc_signal")["signal"] == {"type": "answer"}
        evaluator.emit("end_session")
        assert client.wait("session_ended") == {}
        client.emit("webrtc_signal", {"targetUserId": "evaluator1", "signal": {"late": True}})
        assert client.wait("error")["code"] == "not_session_peer"
        assert evaluator.wait("session_ended") == {}
    with pytest.raises(queue.Empty):
        evaluator.wait("webrtc_signal", timeout=0.5)


def test_grace_ends_even_when_the_process_that_saw_the_member_leave_is_gone(two_servers, sockets,
                                                                          demo_users):
    """The deadline is in the database: the evaluator's process ends the session after the
    grace period although the client's process, which saw it go, was killed meanwhile."""
    one, other = two_servers
    evaluator, client, session_id = session_across(sockets, one.base_url, other.base_url)
    assert client.wait("session_started")["sessionId"] == session_id
    client.drop()
    assert evaluator.wait("session_suspended")["sessionId"] == session_id
    other.kill()
    assert evaluator.wait("session_ended", timeout=5) == {}
    evaluator.emit("image_update", {"imageIndex": 1, "imageUrl": "u"})
    assert evaluator.wait("error")["code"] == "no_session"
