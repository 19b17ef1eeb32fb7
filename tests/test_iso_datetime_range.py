"""An ISO 8601 time whose offset takes it past year 9999 (or before year 1) in UTC is a 422
naming the field, not a 500 (found by the schemathesis run), and nothing is stored."""

from __future__ import annotations

import pytest

PAST_9999 = "9999-12-31T23:59:59-23:59"
BEFORE_1 = "0001-01-01T00:00:00+23:59"


@pytest.fixture
def sid(client) -> str:
    return client.post("/api/sessions", json={"name": "Run 1"}).json["id"]


@pytest.mark.parametrize("when", [PAST_9999, BEFORE_1])
def test_a_note_or_telemetry_point_at_such_a_time_is_refused(client, sid, when):
    note = client.post(f"/api/sessions/{sid}/notes", json={"timestamp": when, "content": "x"})
    point = client.post(f"/api/sessions/{sid}/telemetry", json={"timestamp": when, "channel": "speed", "value": 1})
    batch = client.post(f"/api/sessions/{sid}/telemetry/batch",
                        json={"points": [{"timestamp": when, "channel": "speed", "value": 1}]})
    for answer in (note, point, batch):
        assert answer.status_code == 422, answer.json
        assert answer.json["code"] == "validation_error"
    assert "timestamp" in note.json["fields"] and "timestamp" in point.json["fields"]
    assert client.get(f"/api/sessions/{sid}/notes").json == []
    assert client.get(f"/api/sessions/{sid}/telemetry").json == []


@pytest.mark.parametrize("when", [PAST_9999, BEFORE_1])
def test_a_time_filter_at_such_a_time_is_refused(client, sid, when):
    notes = client.get(f"/api/sessions/{sid}/notes", query_string={"from": when})
    points = client.get(f"/api/sessions/{sid}/telemetry", query_string={"to": when})
    assert (notes.status_code, points.status_code) == (422, 422)
    assert "from" in notes.json["fields"] and "to" in points.json["fields"]


def test_the_last_second_of_9999_in_utc_is_accepted(client, sid):
    note = client.post(f"/api/sessions/{sid}/notes", json={"timestamp": "9999-12-31T23:59:59Z", "content": "x"})
    assert note.status_code == 200 and note.json["timestamp"] == "9999-12-31T23:59:59Z"
