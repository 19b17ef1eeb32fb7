"""Leaving and coming back, against a real gunicorn gevent process: a disconnect the app asks
for ends the session at once, a lost transport gets the grace period, and a member that comes
back is told ``session_resumed``, never an old ``session_started``."""

from __future__ import annotations

import queue
import time

import pytest

from tests.live.conftest import WAIT_S
from tests.live.test_live_flow import start_pair

pytestmark = pytest.mark.live


def nothing_more(recorder, name: str, within: float = 0.5) -> bool:
    """True when no ``name`` event arrives within ``within`` seconds (others are skipped)."""
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            got, _ = recorder.events.get(timeout=left)
        except queue.Empty:
            return True
        if got == name:
            return False
    return True


@pytest.mark.parametrize("leaver", ["client", "evaluator"])
def test_a_disconnect_on_purpose_ends_the_session_within_a_second(live_server_factory, sockets,
                                                                   demo_users, leaver):
    server = live_server_factory({"SESSION_GRACE_SECONDS": "30"})
    evaluator, client, _, _ = start_pair(server.base_url, sockets)
    gone, stays = (client, evaluator) if leaver == "client" else (evaluator, client)
    started = time.monotonic()
    gone.close()
    assert stays.wait("session_ended", timeout=1.0) == {}
    assert time.monotonic() - started < 1.0
    if leaver == "client":
        evaluator.emit("image_update", {"imageIndex": 1, "imageUrl": "u"})
        assert evaluator.wait("error")["code"] == "no_session"


def test_a_lost_transport_gets_the_grace_period_then_ends(live_server_factory, sockets, demo_users):
    server = live_server_factory({"SESSION_GRACE_SECONDS": "1"})
    evaluator, client, mine, _ = start_pair(server.base_url, sockets)
    client.drop()
    suspended = evaluator.wait("session_suspended")
    assert suspended == {"sessionId": mine["sessionId"], "userId": "client1", "graceSeconds": 1.0}
    assert evaluator.wait("session_ended", timeout=5) == {}
    evaluator.emit("image_update", {"imageIndex": 1, "imageUrl": "u"})
    assert evaluator.wait("error")["code"] == "no_session"


def test_back_within_grace_is_resumed_not_started_again(live_server_factory, sockets, demo_users):
    server = live_server_factory({"SESSION_GRACE_SECONDS": "30"})
    evaluator, client, mine, _ = start_pair(server.base_url, sockets)
    client.drop()
    evaluator.wait("session_suspended")
    back = sockets(server.base_url)
    back.register("client1", "client")
    resumed = {"sessionId": mine["sessionId"], "userId": "client1"}
    assert back.wait("session_resumed") == resumed
    assert evaluator.wait("session_resumed") == resumed
    evaluator.emit("image_update", {"imageIndex": 2, "imageUrl": "u", "sentAt": 5})
    assert back.wait("image_update") == {"imageIndex": 2, "imageUrl": "u", "sentAt": 5}


def test_both_back_and_started_at_once_get_one_new_session_started(live_server_factory, sockets,
                                                                   demo_users):
    """The client's transport drops; within the grace period both apps come back on new sockets,
    register, and the evaluator starts a session at once: each side gets exactly one
    ``session_started``, for the new session, with the same id."""
    server = live_server_factory({"SESSION_GRACE_SECONDS": "30"})
    evaluator, client, old, _ = start_pair(server.base_url, sockets)
    client.drop()
    evaluator.wait("session_suspended")
    evaluator.drop()

    # The server may notice the evaluator's drop before or after the new sockets register:
    # suspended/resumed/ended notices of the old session may come in any order around them.
    skip = ("clients_updated", "session_suspended", "session_resumed", "session_ended")
    new_client = sockets(server.base_url)
    new_client.emit("register", {"userId": "client1", "role": "client", "package": "socketio"})
    new_client.wait("registered", skip=skip)
    new_evaluator = sockets(server.base_url)
    new_evaluator.emit("register", {"userId": "evaluator1", "role": "evaluator", "package": "socketio"})
    new_evaluator.wait("registered", skip=skip)
    new_evaluator.emit("start_session", {"clientId": "client1"})

    mine = new_evaluator.wait("session_started", skip=skip)
    theirs = new_client.wait("session_started", skip=skip)
    assert mine["sessionId"] != old["sessionId"]
    assert mine == {"sessionId": mine["sessionId"], "clientId": "client1"}
    assert theirs == {"sessionId": mine["sessionId"], "evaluatorId": "evaluator1",
                      "evaluatorName": "Evaluator One"}
    assert nothing_more(new_evaluator, "session_started") and nothing_more(new_client, "session_started")
    new_evaluator.emit("image_update", {"imageIndex": 0, "imageUrl": "u", "sentAt": 1})
    assert new_client.wait("image_update", timeout=WAIT_S, skip=skip)["imageIndex"] == 0
