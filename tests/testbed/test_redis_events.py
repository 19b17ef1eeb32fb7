"""Two gunicorn processes sharing events through Redis: REST on one, subscribers on the other."""

from __future__ import annotations

import pytest

from tests.testbed.conftest import SioClient, WsClient
from tests.testbed.test_live_events import make_calls, new_sid

pytestmark = pytest.mark.live


def test_an_event_raised_on_one_process_reaches_subscribers_of_the_other(live_server_factory, redis_url):
    writer = live_server_factory({"REDIS_URL": redis_url})
    watcher = live_server_factory({"REDIS_URL": redis_url})
    sid = new_sid(writer.base_url)
    raw = WsClient(watcher.base_url, sid)
    local = WsClient(writer.base_url, sid)
    sio = SioClient(watcher.base_url, sid)
    try:
        assert raw.next()["event"] == "connected" and local.next()["event"] == "connected"
        assert sio.ack["ok"] and sio.next()[0] == "connected"
        for name, data in make_calls(writer.base_url, sid):
            envelope = {"event": name, "session_id": sid, "data": data}
            assert raw.next() == envelope
            assert local.next() == envelope  # once, not twice, on the process that raised it
            assert sio.next() == (name, envelope)
        local.ws.send("ping")
        assert local.next() == "pong"
    finally:
        raw.close()
        local.close()
        sio.close()
