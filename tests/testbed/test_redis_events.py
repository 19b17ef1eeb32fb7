"""Gunicorn processes sharing events through Redis: REST on one, subscribers on the other; and
deployments on one Redis kept apart by their channel prefix."""

from __future__ import annotations

import pytest

from facial_backend.realtime import redis_channels
from tests.testbed.conftest import SioClient, WsClient
from tests.testbed.test_live_events import every_event_once_across, make_calls, new_sid


@pytest.mark.live
def test_an_event_raised_on_one_process_reaches_subscribers_of_the_other(live_server_factory, redis_url):
    every_event_once_across(live_server_factory({"REDIS_URL": redis_url}),
                            live_server_factory({"REDIS_URL": redis_url}))


@pytest.mark.parametrize("config, expected", [
    ({"REDIS_URL": "redis://127.0.0.1:6379/3"}, "facial-backend:3"),
    ({"REDIS_URL": "redis://127.0.0.1:6379"}, "facial-backend:0"),
    ({"REDIS_URL": "unix:///run/redis.sock?db=5"}, "facial-backend:5"),
    ({"REDIS_URL": "redis://127.0.0.1:6379/3", "REDIS_CHANNEL_PREFIX": "staging"}, "staging"),
])
def test_channel_prefix_defaults_to_the_database_number(config, expected):
    assert redis_channels.prefix(config) == expected
    assert redis_channels.socketio_channel(config) == f"{expected}:socketio"
    assert redis_channels.events_channel(config) == f"{expected}:session_events"


@pytest.mark.live
def test_two_deployments_on_one_redis_see_nothing_of_each_other(live_server_factory, redis_url):
    ours = {"REDIS_URL": redis_url, "REDIS_CHANNEL_PREFIX": "deployment-a"}
    writer, watcher = live_server_factory(ours), live_server_factory(ours)
    stranger = live_server_factory({"REDIS_URL": redis_url, "REDIS_CHANNEL_PREFIX": "deployment-b"})
    sid = new_sid(writer.base_url)
    raw, foreign_raw = WsClient(watcher.base_url, sid), WsClient(stranger.base_url, sid)
    foreign_sio = SioClient(stranger.base_url, sid)
    try:
        assert raw.next()["event"] == "connected" and foreign_raw.next()["event"] == "connected"
        assert foreign_sio.ack["ok"] and foreign_sio.next()[0] == "connected"
        for name, _ in make_calls(writer.base_url, sid):
            assert raw.next()["event"] == name
        foreign_raw.ws.send("ping")
        assert foreign_raw.next() == "pong"  # and no event before it
        assert foreign_sio.events.empty()
    finally:
        raw.close()
        foreign_raw.close()
        foreign_sio.close()
