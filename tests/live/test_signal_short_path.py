"""The short path of ``webrtc_signal`` (facial_backend/socket_fast_path.py) against a real
gunicorn gevent process: what it leaves to python-socketio is still relayed, in order, and
malformed packets neither crash the connection nor reach the peer."""

from __future__ import annotations

import json
import queue

import pytest
import websocket

from tests.live.conftest import WAIT_S
from tests.live.test_live_flow import start_pair

pytestmark = pytest.mark.live


def signal(n: int, **extra) -> dict:
    return {"targetUserId": "client1", "signal": {"n": n, **extra}}


def test_what_the_short_path_leaves_out_is_relayed_in_order(live_server, sockets, demo_users):
    evaluator, client, _, _ = start_pair(live_server.base_url, sockets, package="webrtc")
    acks: queue.Queue = queue.Queue()

    evaluator.emit("webrtc_signal", signal(0))
    evaluator.sio.emit("webrtc_signal", signal(1), callback=lambda *args: acks.put(args))
    evaluator.emit("webrtc_signal", signal(2, blob=b"\x00\xffbinary"))  # an attachment
    evaluator.emit("webrtc_signal", signal(3))

    got = [client.wait("webrtc_signal") for _ in range(4)]
    assert [item["signal"]["n"] for item in got] == [0, 1, 2, 3]
    assert got[2] == {"fromUserId": "evaluator1", "signal": {"n": 2, "blob": b"\x00\xffbinary"}}
    assert acks.get(timeout=WAIT_S) == ()


def test_malformed_signal_packets_reach_nobody_and_the_connection_goes_on(live_server, sockets,
                                                                          demo_users):
    evaluator, client, _, _ = start_pair(live_server.base_url, sockets, package="webrtc")

    evaluator.sio.eio.send('2["webrtc_signal",{"targetUserId":"client1","signal":')  # cut off
    evaluator.sio.eio.send('2["webrtc_signal",{"targetUserId":"client1","signal":{}},"extra"]')
    evaluator.sio.eio.send('2["webrtc_signal"]')
    evaluator.emit("webrtc_signal", signal(7))

    assert evaluator.wait("error")["code"] == "invalid_payload"  # the one without a payload
    assert client.wait("webrtc_signal") == {"fromUserId": "evaluator1", "signal": {"n": 7}}
    with pytest.raises(queue.Empty):
        client.wait("webrtc_signal", timeout=0.5)


def test_a_peer_that_reads_late_gets_every_signal_in_order(live_server_factory, sockets,
                                                           demo_users):
    """Signals are first written straight to the peer's connection, then, once its buffers are
    full, through its queue; the order holds across the switch."""
    server = live_server_factory({"SOCKET_RATE_LIMIT": "100000", "SOCKET_RATE_BURST": "100000"})
    url = server.base_url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    late = websocket.create_connection(url, timeout=WAIT_S)
    try:
        assert late.recv().startswith("0{")
        late.send("40")
        assert late.recv().startswith("40")
        late.send('42["register",{"userId":"client1","role":"client","package":"webrtc"}]')
        assert late.recv().startswith('42["registered"')
        evaluator = sockets(server.base_url)
        evaluator.register("evaluator1", "evaluator", "webrtc")
        evaluator.emit("start_session", {"clientId": "client1"})
        evaluator.wait("session_started")
        padding = "x" * 64 * 1024
        count = 400  # 25 MiB: more than the kernel buffers between the server and ``late``
        for n in range(count):
            evaluator.emit("webrtc_signal", signal(n, pad=padding))

        received = []
        while len(received) < count:
            message = late.recv()
            if message.startswith('42["webrtc_signal"'):
                received.append(json.loads(message[2:])[1]["signal"]["n"])
        assert received == list(range(count))
    finally:
        late.close()
