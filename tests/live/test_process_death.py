"""A web process that dies (SIGKILL) or shuts down (SIGTERM) leaves no live socket behind: the
surviving process removes its connections, the peers are told ``session_suspended`` as for a
lost transport, and its clients are no longer listed online. Works on SQLite without Redis:
the client is on the process that goes, the evaluator on the one that stays."""

from __future__ import annotations

import pytest
import requests

from tests import isolation
from tests.live.conftest import WAIT_S, session_across

pytestmark = pytest.mark.live

HEARTBEAT_S = 1
# Three missed beats, one sweep, and a margin for a busy machine.
DEAD_WITHIN_S = 3 * HEARTBEAT_S + 1 + 3


def _env(heartbeat: int) -> dict[str, str]:
    env = {"SESSION_GRACE_SECONDS": "30", "LIVE_HEARTBEAT_SECONDS": str(heartbeat)}
    if isolation.given_redis_url():
        env["REDIS_URL"] = isolation.given_redis_url()
    return env


def _online(server) -> list[str]:
    listed = requests.get(f"{server.base_url}/api/clients?package=socketio", timeout=WAIT_S).json()
    return [client["id"] for client in listed["clients"]]


def _session_across(stays, goes, sockets) -> tuple:
    evaluator, client, session_id = session_across(sockets, stays.base_url, goes.base_url,
                                                   "evaluator1", "client1")
    assert _online(stays) == ["client1"]
    return client, evaluator, session_id


def test_killed_process_sockets_are_lost_transports(live_server_factory, sockets, demo_users):
    stays, goes = live_server_factory(_env(HEARTBEAT_S)), live_server_factory(_env(HEARTBEAT_S))
    client, evaluator, session_id = _session_across(stays, goes, sockets)
    client.closing = True
    goes.kill()
    suspended = evaluator.wait("session_suspended", timeout=DEAD_WITHIN_S)
    assert suspended == {"sessionId": session_id, "userId": "client1", "graceSeconds": 30}
    assert _online(stays) == []
    evaluator.emit("start_session", {"clientId": "client1"})
    assert evaluator.wait("error")["code"] == "client_unavailable"

    back = sockets(stays.base_url)
    back.register("client1", "client")
    assert back.wait("session_resumed") == {"sessionId": session_id, "userId": "client1"}
    assert evaluator.wait("session_resumed") == {"sessionId": session_id, "userId": "client1"}


def test_process_shut_down_retires_its_sockets_at_once(live_server_factory, sockets, demo_users):
    """The beat is a minute apart, so only the shutdown's own retirement can explain a
    suspension within seconds of the exit."""
    stays, goes = live_server_factory(_env(60)), live_server_factory(_env(60))
    client, evaluator, session_id = _session_across(stays, goes, sockets)
    client.closing = True
    goes.stop()
    suspended = evaluator.wait("session_suspended", timeout=5)
    assert suspended["sessionId"] == session_id
    assert _online(stays) == []
