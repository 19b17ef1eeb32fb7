"""TESTBED_API_VERSION: one server for the v0.2 and the v0.3 clients. Both note type sets are
always accepted; the version picks the default type, what / reports and the Markdown export's
sections; the JSON export is grouped for v0.3 while keeping what v0.2 clients read."""

from __future__ import annotations

import json

import pytest

from facial_backend import create_app
from facial_backend.config import ConfigError
from tests.testbed.conftest import new_note, new_session


def test_v02_by_default(client, sid):
    assert client.get("/").json["version"] == "0.2.0"
    assert new_note(client, sid)["type"] == "observation"
    assert new_note(client, sid, type="anomaly")["type"] == "anomaly"  # v0.3 types are accepted
    assert "## Notes" in client.get(f"/api/sessions/{sid}/notes/export").text


def test_v03_smoke_test_as_its_client_runs_it(client, app):
    app.config["TESTBED_API_VERSION"] = "0.3"
    assert client.get("/").json["version"] == "0.3.0"
    sid = new_session(client, "Bench run")["id"]
    assert new_note(client, sid, content="Motor spun up")["type"] == "detail"
    new_note(client, sid, type="anomaly", content="Current spike", timestamp="2025-01-26T10:33:00Z")
    new_note(client, sid, type="summary", content="Passed", timestamp="2025-01-26T10:40:00Z")
    new_note(client, sid, type="command", content="Stop", timestamp="2025-01-26T10:34:00Z")
    assert client.get(f"/api/sessions/{sid}").json["note_count"] == 4

    document = json.loads(client.get(f"/api/sessions/{sid}/notes/export?format=json").text)
    assert [note["content"] for note in document["summary"]] == ["Passed"]
    assert [note["content"] for note in document["anomalies"]] == ["Current spike"]
    assert [note["content"] for note in document["detailed_notes"]] == ["Motor spun up", "Stop"]
    assert [note["content"] for note in document["notes"]] == [  # what v0.2 clients read
        "Motor spun up", "Current spike", "Stop", "Passed"]

    markdown = client.get(f"/api/sessions/{sid}/notes/export").text.split("\n")
    sections = [line for line in markdown if line.startswith("## ")]
    assert sections == ["## Test Summary", "## Anomalies", "## Detailed Notes"]
    summary_at, anomalies_at = markdown.index("## Test Summary"), markdown.index("## Anomalies")
    assert "Passed" in markdown[summary_at:anomalies_at]
    assert markdown.index("Current spike") < markdown.index("## Detailed Notes") < markdown.index("Stop")


def test_an_unknown_version_is_refused(app_settings):
    with pytest.raises(ConfigError, match="TESTBED_API_VERSION"):
        create_app({**app_settings, "TESTBED_API_VERSION": "0.4"})
