"""Telemetry through the test client (the testbed's calls plus bounds, all-or-nothing batches)."""

from __future__ import annotations

import pytest

from facial_backend.extensions import db
from facial_backend.models.testbed import TelemetryPoint


def url(sid: str, rest: str = "") -> str:
    return f"/api/sessions/{sid}/telemetry{rest}"


def point(second: int, channel: str = "battery_voltage", value: float = 32.5, **extra) -> dict:
    return {"timestamp": f"2025-01-26T10:00:{second:02d}Z", "channel": channel, "value": value, **extra}


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(TelemetryPoint))


def test_single_point(client, sid):
    response = client.post(url(sid), json=point(1, unit="V"))
    assert response.status_code == 200
    body = response.json
    assert body["id"].startswith("tel_") and len(body["id"]) == 4 + 24
    assert body == {"id": body["id"], "session_id": sid, "timestamp": "2025-01-26T10:00:01Z",
                    "channel": "battery_voltage", "value": 32.5, "unit": "V"}
    assert client.post(url(sid), json=point(2, value=3)).json["value"] == 3.0


@pytest.mark.parametrize("payload,field", [
    ({"channel": "v", "value": 1}, "timestamp"),
    (point(1) | {"timestamp": "2025-13-01T00:00:00"}, "timestamp"),
    (point(1) | {"value": "1.5"}, "value"),
    (point(1) | {"value": True}, "value"),
    ({"timestamp": "2025-01-26T10:00:00Z", "channel": "v"}, "value"),
    (point(1) | {"channel": ""}, "channel"),
    (point(1) | {"channel": 7}, "channel"),
    (point(1) | {"unit": 5}, "unit"),
])
def test_single_point_validation(client, app, sid, payload, field):
    response = client.post(url(sid), json=payload)
    assert response.status_code == 422
    assert field in response.json["fields"]
    assert stored(app) == 0


def test_batch_is_all_or_nothing_with_every_bad_item_named(client, app, sid):
    good = [point(i) for i in range(5)]
    response = client.post(url(sid, "/batch"), json={"data": good})
    assert response.status_code == 200 and response.json == {"created": 5}
    bad = good + [point(6) | {"value": "x"}, {"channel": "c"}, "nope"]
    response = client.post(url(sid, "/batch"), json={"data": bad})
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"data.5.value", "data.6.timestamp", "data.6.value",
                                            "data.7._schema"}
    assert {tuple(item["loc"]) for item in response.json["detail"]} >= {("body", "data", "5", "value")}
    assert stored(app) == 5
    assert client.post(url(sid, "/batch"), json={"data": []}).json == {"created": 0}
    assert client.post(url(sid, "/batch"), json={}).status_code == 422
    assert client.post(url(sid, "/batch"), json={"data": {"a": 1}}).status_code == 422
    assert stored(app) == 5


def test_batch_size_is_capped(client, app, sid):
    response = client.post(url(sid, "/batch"), json={"data": [point(1)] * 10_001})
    assert response.status_code == 422 and "data" in response.json["fields"]
    assert stored(app) == 0


def test_query_newest_first_with_filters_and_limit(client, sid):
    points = [point(i, "a" if i % 2 else "b", float(i)) for i in range(10)]
    client.post(url(sid, "/batch"), json={"data": points})
    everything = client.get(url(sid)).json
    assert [p["value"] for p in everything] == [float(i) for i in range(9, -1, -1)]
    ids = {p["id"] for p in everything}
    assert len(ids) == 10 and all(len(i) == 28 and i.startswith("tel_") for i in ids)
    assert [p["value"] for p in client.get(url(sid, "?channel=a")).json] == [9.0, 7.0, 5.0, 3.0, 1.0]
    ranged = client.get(url(sid, "?from=2025-01-26T10:00:02Z&to=2025-01-26T10:00:04")).json
    assert [p["value"] for p in ranged] == [4.0, 3.0, 2.0]
    assert [p["value"] for p in client.get(url(sid, "?limit=2&channel=b")).json] == [8.0, 6.0]
    for bad in ("?limit=0", "?limit=-1", "?limit=10001", "?limit=x", "?from=noon"):
        assert client.get(url(sid, bad)).status_code == 422, bad


def test_latest_and_channels(client, sid):
    assert client.get(url(sid, "/channels")).json == {"channels": []}
    missing = client.get(url(sid, "/latest?channel=motor_current"))
    assert missing.status_code == 404
    assert missing.json["detail"] == "No telemetry found for channel: motor_current"
    assert client.get(url(sid, "/latest")).status_code == 422
    client.post(url(sid, "/batch"), json={"data": [
        point(5, "motor_current", 2.3, unit="A"), point(9, "motor_current", 2.9, unit="A"),
        point(7, "motor_current", 2.5, unit="A"), point(1, "battery_voltage")]})
    latest = client.get(url(sid, "/latest?channel=motor_current")).json
    assert latest["value"] == 2.9 and latest["unit"] == "A" and latest["timestamp"] == "2025-01-26T10:00:09Z"
    assert client.get(url(sid, "/channels")).json == {"channels": ["battery_voltage", "motor_current"]}


def test_unknown_and_ended_sessions(client, app, sid):
    for method, rest in (("post", ""), ("get", ""), ("get", "/channels"), ("get", "/latest?channel=a")):
        response = getattr(client, method)(url("sess_none", rest), json=point(1))
        assert response.status_code == 404 and response.json["detail"] == "Session sess_none not found"
    client.patch(f"/api/sessions/{sid}", json={"status": "ended"})
    refused = client.post(url(sid, "/batch"), json={"data": [point(1)]})
    assert refused.status_code == 409 and refused.json["code"] == "session_ended"
    assert stored(app) == 0


def test_times_read_back_exactly_as_written(client, sid):
    stamps = ["2025-01-26T10:00:00Z", "2025-01-26T10:00:00.250000Z", "2025-01-26T12:00:01.000001+02:00"]
    written = [client.post(url(sid), json=point(0) | {"timestamp": stamp}).json["timestamp"] for stamp in stamps]
    assert written == ["2025-01-26T10:00:00Z", "2025-01-26T10:00:00.250000Z", "2025-01-26T10:00:01.000001Z"]
    assert [p["timestamp"] for p in client.get(url(sid)).json] == written[::-1]
    assert client.get(url(sid, "/latest?channel=battery_voltage")).json["timestamp"] == written[2]
