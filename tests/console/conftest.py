"""Console fixtures: the people of every role, a small world of sessions, signed-in clients."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

from facial_backend.extensions import db
from facial_backend.models import User
from tests.console import seed

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One hash of ``seed.PASSWORD`` for every test user (hashing is slow on purpose)."""
    return generate_password_hash(seed.PASSWORD)


@pytest.fixture
def people(app, password_hash) -> dict[str, str]:
    """username -> user id, one user per role (password ``seed.PASSWORD``)."""
    with app.app_context():
        users = [User(username=name, name=name.capitalize(), role=role, password_hash=password_hash)
                 for name, role in seed.PEOPLE]
        db.session.add_all(users)
        db.session.commit()
        return {user.username: user.id for user in users}


@pytest.fixture
def world(app, people) -> dict[str, str]:
    """A recording-app session (recorder1's), a live session (evaluator1's), a testbed session
    holding a recording of recorder2, and another live session of someone else."""
    start = seed.START
    with app.app_context():
        rec = seed.session("recording", start, participant_id="P-001", participant_name="Alice Doe",
                           status="created", created_by_id=people["recorder1"])
        live = seed.session("live", start + timedelta(hours=1), evaluator_id="evaluator1", client_id="client1")
        other_live = seed.session("live", start + timedelta(hours=2), evaluator_id="evaluator2", client_id="client2",
                                  status="ended")
        testbed = seed.session("testbed", start + timedelta(hours=3), name="Bench run 7", status="active")
        db.session.flush()
        seed.video(rec.id, "video_a", start + timedelta(minutes=1), 1000)
        seed.video(rec.id, "video_b", start + timedelta(minutes=2), 500, status="receiving")
        seed.segment(live.id, 0, start + timedelta(hours=1, minutes=1), 300, transcript="I see a smile")
        seed.segment(live.id, 1, start + timedelta(hours=1, minutes=2), 200)
        seed.note(testbed.id, start + timedelta(hours=3, minutes=5), "Second note", "anomaly")
        seed.note(testbed.id, start + timedelta(hours=3, minutes=1), "First note")
        seed.telemetry(testbed.id, "heart_rate", [60.0, 61.5, 63.0], start + timedelta(hours=3))
        seed.recording(people["recorder2"], start + timedelta(hours=3, minutes=3), 4000, testbed.id)
        db.session.commit()
        return {"recording": rec.id, "live": live.id, "other_live": other_live.id, "testbed": testbed.id}


@pytest.fixture
def sign_in(client):
    """Sign ``client`` in as a user through the form; returns the client."""
    def sign(username: str, password: str = seed.PASSWORD):
        page = client.get("/console/sign-in")
        response = client.post("/console/sign-in", data={
            "username": username, "password": password, "csrf_token": csrf_token(page.text)})
        assert response.status_code == 302, response.text
        return client
    return sign
