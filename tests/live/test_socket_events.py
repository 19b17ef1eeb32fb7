"""Every Socket.IO event of the evaluator/client apps and every refusal, with Flask-SocketIO's test client."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY

from facial_backend.extensions import db, socketio
from facial_backend.models.live import LiveConnection, LiveMember
from facial_backend.models.sessions import StudySession
from facial_backend.timeutil import utcnow


class Peer:
    """A Flask-SocketIO test client with helpers to read what it received."""

    def __init__(self, app, client, **kwargs):
        self.tc = socketio.test_client(app, flask_test_client=client, **kwargs)

    def emit(self, name, *args):
        self.tc.emit(name, *args)

    def received(self, skip=("clients_updated",)) -> list[tuple[str, object]]:
        return [(m["name"], m["args"][0] if m["args"] else None)
                for m in self.tc.get_received() if m["name"] not in skip]

    def register(self, user_id, role, package="socketio"):
        self.emit("register", {"userId": user_id, "role": role, "package": package})
        assert ("registered", {"userId": user_id, "role": role, "package": package}) in self.received()


@pytest.fixture
def peers(app, client):
    made = []

    def make(**kwargs) -> Peer:
        peer = Peer(app, client, **kwargs)
        made.append(peer)
        return peer
    yield make
    for peer in made:
        if peer.tc.is_connected():
            peer.tc.disconnect()


@pytest.fixture
def pair(peers, demo_users):
    evaluator, client = peers(), peers()
    client.register("client1", "client")
    evaluator.register("evaluator1", "evaluator")
    return evaluator, client


def start(evaluator, client, client_id="client1"):
    evaluator.emit("start_session", {"clientId": client_id})
    [(name, mine)] = evaluator.received()
    [(name2, theirs)] = client.received()
    assert name == name2 == "session_started"
    return mine, theirs


def error_codes(peer) -> list[str]:
    return [data["code"] for name, data in peer.received() if name == "error"]


def _next_update(peer, timeout: float = 5.0) -> list[tuple[str, object]]:
    """What ``peer`` received once an update came (sent by a greenlet: give it turns)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        socketio.sleep(0.02)
        if got := peer.received(skip=()):
            return got
    return []


def test_register_tells_the_packages_evaluators_only(peers):
    watcher, other, client = peers(), peers(), peers()
    watcher.register("evaluator1", "evaluator", "webrtc")
    other.register("evaluator2", "evaluator", "socketio")
    client.emit("register", {"userId": "client1", "role": "client", "package": "webrtc"})
    assert _next_update(watcher) == [("clients_updated", {"clients": ["client1"]})]
    client.tc.disconnect()
    assert _next_update(watcher) == [("clients_updated", {"clients": []})]
    assert other.received(skip=()) == []


def test_session_lifecycle_with_asymmetric_payloads(app, pair):
    evaluator, client = pair
    mine, theirs = start(evaluator, client)
    session_id = mine["sessionId"]
    assert session_id.startswith("sess_") and mine == {"sessionId": session_id, "clientId": "client1"}
    assert theirs == {"sessionId": session_id, "evaluatorId": "evaluator1", "evaluatorName": "Evaluator One"}
    with app.app_context():
        row = db.session.get(StudySession, session_id)
        assert (row.kind, row.status, row.evaluator_id, row.client_id, row.package) == \
            ("live", "active", "evaluator1", "client1", "socketio")

    evaluator.emit("image_update", {"imageIndex": 1, "imageUrl": "https://i/1", "signedUrl": "s1",
                                    "sentAt": 1000})
    evaluator.emit("image_update", {"imageIndex": 2, "imageUrl": "https://i/2", "signedUrl": ""})
    [(_, first), (_, second)] = client.received()
    assert first == {"imageIndex": 1, "imageUrl": "https://i/1", "signedUrl": "s1", "sentAt": 1000}
    assert set(second) == {"imageIndex", "imageUrl", "sentAt"} and second["sentAt"] > 1.6e12
    client.emit("image_ack", {"sentAt": 1000, "receivedAt": 1005})
    assert evaluator.received() == [("image_ack", {"sentAt": 1000, "receivedAt": 1005})]

    evaluator.emit("end_session")
    assert evaluator.received() == [("session_ended", {})]
    assert client.received() == [("session_ended", {})]
    with app.app_context():
        row = db.session.get(StudySession, session_id)
        assert row.status == "ended" and row.ended_at is not None
        assert db.session.scalar(db.select(db.func.count()).select_from(LiveMember)) == 0
    evaluator.emit("end_session")
    assert evaluator.received() == [("session_ended", {})]  # as the origin: always answered


def test_webrtc_signal_relayed_untouched_in_order(pair):
    evaluator, client = pair
    start(evaluator, client)
    counted_before = REGISTRY.get_sample_value("relayed_signals_total") or 0
    offer = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}
    evaluator.emit("webrtc_signal", {"targetUserId": "client1", "signal": offer})
    for i in range(300):
        evaluator.emit("webrtc_signal", {"targetUserId": "client1",
                                         "signal": {"candidate": f"c{i}", "sdpMid": "0", "sdpMLineIndex": 0}})
    got = client.received()
    assert got[0] == ("webrtc_signal", {"fromUserId": "evaluator1", "signal": offer})
    assert [data["signal"]["candidate"] for _, data in got[1:]] == [f"c{i}" for i in range(300)]
    client.emit("webrtc_signal", {"targetUserId": "evaluator1", "signal": {"type": "answer", "sdp": "x"}})
    assert evaluator.received() == [("webrtc_signal", {"fromUserId": "client1",
                                                       "signal": {"type": "answer", "sdp": "x"}})]
    assert REGISTRY.get_sample_value("relayed_signals_total") == counted_before + 302


def test_relay_to_a_stranger_is_refused(peers, pair):
    evaluator, client = pair
    stranger = peers()
    stranger.register("client2", "client")
    evaluator.emit("webrtc_signal", {"targetUserId": "client1", "signal": {"type": "offer"}})
    assert error_codes(evaluator) == ["not_session_peer"]
    start(evaluator, client)
    evaluator.emit("webrtc_signal", {"targetUserId": "client2", "signal": {"type": "offer"}})
    assert error_codes(evaluator) == ["not_session_peer"]
    stranger.emit("webrtc_signal", {"targetUserId": "client1", "signal": {"type": "offer"}})
    assert error_codes(stranger) == ["not_session_peer"]
    assert client.received() == [] and stranger.received() == []


@pytest.mark.parametrize("event, payload, code", [
    ("register", None, "invalid_payload"),
    ("register", "client1", "invalid_payload"),
    ("register", {"userId": "client1"}, "invalid_payload"),
    ("register", {"userId": "../x", "role": "client"}, "invalid_payload"),
    ("register", {"userId": "x", "role": "admin"}, "invalid_payload"),
    ("register", {"userId": "x", "role": "client", "package": "pigeon"}, "invalid_payload"),
    ("start_session", {"clientId": "client1"}, "not_registered"),
    ("webrtc_signal", {"targetUserId": "client1", "signal": {}}, "not_registered"),
])
def test_malformed_or_early_events_get_an_error(peers, event, payload, code):
    peer = peers()
    peer.emit(event, payload) if payload is not None else peer.emit(event)
    assert error_codes(peer) == [code]


@pytest.mark.parametrize("event, payload, code", [
    ("start_session", None, "invalid_payload"),
    ("start_session", {"clientId": 5}, "invalid_payload"),
    ("start_session", {"clientId": "client2"}, "client_unavailable"),
    ("image_update", {"imageIndex": 1, "imageUrl": "u"}, "no_session"),
    ("image_ack", {"sentAt": 1, "receivedAt": 2}, "wrong_role"),
    ("webrtc_signal", {"targetUserId": "client1"}, "invalid_payload"),
    ("webrtc_signal", {"targetUserId": "client1", "signal": "offer"}, "invalid_payload"),
    ("webrtc_signal", {"targetUserId": ["client1"], "signal": {}}, "invalid_payload"),
    ("webrtc_signal", [1, 2], "invalid_payload"),
])
def test_bad_evaluator_events_get_an_error(pair, event, payload, code):
    evaluator, client = pair
    evaluator.emit(event, payload) if payload is not None else evaluator.emit(event)
    assert error_codes(evaluator) == [code]
    assert client.received() == []


def test_bad_image_events_inside_a_session(pair):
    evaluator, client = pair
    start(evaluator, client)
    for bad in ({"imageIndex": "1", "imageUrl": "u"}, {"imageIndex": -1, "imageUrl": "u"},
                {"imageIndex": 1}, {"imageIndex": 1, "imageUrl": "u", "sentAt": "now"}):
        evaluator.emit("image_update", bad)
    assert error_codes(evaluator) == ["invalid_payload"] * 4
    client.emit("image_ack", {"sentAt": None, "receivedAt": 2})
    client.emit("start_session", {"clientId": "client1"})
    assert error_codes(client) == ["invalid_payload", "wrong_role"]
    assert evaluator.received() == []


def test_package_isolation_and_busy_client(peers, pair):
    evaluator, client = pair
    other = peers()
    other.register("evaluator2", "evaluator", package="webrtc")
    other.emit("start_session", {"clientId": "client1"})
    assert error_codes(other) == ["client_unavailable"]
    start(evaluator, client)
    second = peers()
    second.register("evaluator2", "evaluator")
    second.emit("start_session", {"clientId": "client1"})
    assert error_codes(second) == ["client_busy"]


def test_new_session_replaces_the_evaluators_previous_one(peers, pair):
    evaluator, client = pair
    start(evaluator, client)
    client2 = peers()
    client2.register("client2", "client")
    evaluator.emit("start_session", {"clientId": "client2"})
    assert client.received() == [("session_ended", {})]
    assert [name for name, _ in client2.received()] == ["session_started"]


def test_token_identity(peers, demo_users):
    assert not peers(auth={"token": "not-a-token"}).tc.is_connected()
    assert not peers(query_string="?token=forged.token.value").tc.is_connected()
    good = peers(auth={"token": demo_users["client1"]})
    good.emit("register", {"userId": "client2", "role": "client"})
    good.emit("register", {"userId": "client1", "role": "evaluator"})
    assert error_codes(good) == ["identity_mismatch", "identity_mismatch"]
    good.register("client1", "client")
    by_query = peers(query_string=f"?token={demo_users['evaluator1']}")
    by_query.register("evaluator1", "evaluator")


def test_auth_required_refuses_anonymous_register(app, peers, demo_users):
    app.config["AUTH_REQUIRED"] = True
    anonymous = peers()
    anonymous.emit("register", {"userId": "client1", "role": "client"})
    assert error_codes(anonymous) == ["auth_required"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LiveConnection)) == 0
    peers(auth={"token": demo_users["client1"]}).register("client1", "client")


def test_rate_limit_drops_and_reports(app, peers, pair):
    app.config.update(SOCKET_RATE_LIMIT=0.001, SOCKET_RATE_BURST=5)
    evaluator, client = pair
    start(evaluator, client)
    flooder = peers()
    flooder.register("evaluator2", "evaluator")
    for _ in range(20):
        flooder.emit("end_session")
    got = flooder.received()
    assert got.count(("session_ended", {})) == 4  # register took one of the five
    assert [data["code"] for name, data in got if name == "error"] == ["rate_limited"]


@pytest.mark.parametrize("leaver", ["client", "evaluator"])
def test_a_disconnect_on_purpose_ends_the_session_at_once(app, pair, leaver):
    """The test client's disconnect is the app's own ``socket.disconnect()``: no grace period
    (the lost transport's grace period is tested against gunicorn, test_live_flow)."""
    evaluator, client = pair
    mine, _ = start(evaluator, client)
    gone, stays = (client, evaluator) if leaver == "client" else (evaluator, client)
    gone.tc.disconnect()
    assert stays.received() == [("session_ended", {})]
    with app.app_context():
        assert db.session.get(StudySession, mine["sessionId"]).status == "ended"
        assert db.session.scalar(db.select(db.func.count()).select_from(LiveMember)) == 0


def test_return_after_grace_ends_the_session(app, peers, pair):
    evaluator, client = pair
    mine, _ = start(evaluator, client)
    with app.app_context():  # as if its transport had been lost long ago in a process now gone
        member = db.session.get(LiveMember, (mine["sessionId"], "client"))
        member.left_at = datetime(2000, 1, 1, tzinfo=UTC)
        db.session.commit()
    back = peers()
    back.emit("register", {"userId": "client1", "role": "client"})
    assert evaluator.received() == [("session_ended", {})]
    assert [name for name, _ in back.received()] == ["registered"]  # not started, nor resumed
    with app.app_context():
        assert db.session.get(StudySession, mine["sessionId"]).status == "ended"


def test_return_within_grace_is_told_as_resumed(app, peers, pair):
    evaluator, client = pair
    mine, _ = start(evaluator, client)
    with app.app_context():  # as if its transport had just been lost
        member = db.session.get(LiveMember, (mine["sessionId"], "client"))
        member.left_at = utcnow()
        db.session.commit()
    back = peers()
    back.emit("register", {"userId": "client1", "role": "client"})
    resumed = {"sessionId": mine["sessionId"], "userId": "client1"}
    assert back.received() == [("registered", {"userId": "client1", "role": "client",
                                               "package": "socketio"}), ("session_resumed", resumed)]
    assert evaluator.received() == [("session_resumed", resumed)]


def test_second_socket_keeps_the_member_present(peers, pair):
    evaluator, client = pair
    start(evaluator, client)
    spare = peers()
    spare.register("client1", "client")
    client.tc.disconnect()
    assert evaluator.received() == []
    evaluator.emit("webrtc_signal", {"targetUserId": "client1", "signal": {"type": "offer"}})
    assert [name for name, _ in spare.received()] == ["webrtc_signal"]


def test_overdue_sessions_are_ended_once_by_whoever_sweeps(app, pair):
    from facial_backend.services.live import sessions as live_sessions
    evaluator, client = pair
    mine, _ = start(evaluator, client)
    with app.app_context():
        member = db.session.get(LiveMember, (mine["sessionId"], "client"))
        member.left_at = datetime(2000, 1, 1, tzinfo=UTC)
        db.session.commit()
        assert live_sessions.expire_overdue() == [(mine["sessionId"], ["evaluator1"])]
        assert live_sessions.expire_overdue() == []  # another sweeper finds nothing left
        assert live_sessions.end_session(mine["sessionId"]) is False
        assert db.session.get(StudySession, mine["sessionId"]).status == "ended"
