"""Users (admins): create, change role, reset password, disable (tokens stop at once), each
recorded in the access audit; the same through ``flask users``. Others find no such page."""

from __future__ import annotations

from facial_backend.auth import issue_token
from facial_backend.extensions import db
from facial_backend.models import User
from facial_backend.services.shared import audit
from tests.console.conftest import csrf_token


def _token_of(app, username: str) -> str:
    with app.test_request_context():
        return issue_token(db.session.scalar(db.select(User).filter_by(username=username)))


def test_only_admins_find_the_user_and_audit_pages(client, people, sign_in):
    sign_in("operator1")
    for path in ("/console/users", "/console/users/admin1", "/console/audit"):
        page = client.get(path)
        assert page.status_code == 404 and page.mimetype == "text/html"


def test_admin_creates_changes_and_disables_a_user(client, people, sign_in, app):
    sign_in("admin1")
    token = csrf_token(client.get("/console/users").text)
    created = client.post("/console/users", data={"username": "newop", "name": "New Op", "role": "operator",
                                                  "password": "first-pass-1", "csrf_token": token})
    assert created.status_code == 303 and created.headers["Location"] == "/console/users/newop"
    page = client.get("/console/users/newop")
    assert "User newop created with the role operator." in page.text
    assert client.post("/console/users/newop/role", data={"role": "recorder", "csrf_token": token}).status_code == 303
    assert client.post("/console/users/newop/password", data={
        "password": "second-pass-2", "confirm": "second-pass-2", "csrf_token": token}).status_code == 303
    bearer = _token_of(app, "newop")
    mine = client.get("/api/v1/recordings/", headers={"Authorization": f"Bearer {bearer}"})
    assert mine.status_code == 200, mine.text
    assert client.post("/console/users/newop/disable", data={"csrf_token": token}).status_code == 303
    revoked = client.get("/api/v1/recordings/", headers={"Authorization": f"Bearer {bearer}"})
    assert revoked.status_code == 401 and revoked.json["code"] == "inactive_user"
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="newop"))
        assert (user.role, user.is_active) == ("recorder", False)
        changes = [e.details["change"] for e in reversed(audit.list_events(person="admin1", action="user_change"))]
    assert changes == ["created", "role_changed", "password_reset", "disabled"]
    audit_page = client.get("/console/audit?action=user_change&person=admin1")
    assert audit_page.status_code == 200 and audit_page.text.count("<td>user change</td>") == 4


def test_bad_user_input_gets_an_error_page_and_changes_nothing(client, people, sign_in, app):
    sign_in("admin1")
    token = csrf_token(client.get("/console/users").text)
    short = client.post("/console/users/operator1/password", data={
        "password": "short", "confirm": "short", "csrf_token": token})
    assert short.status_code == 400 and "<strong>New password</strong>" in short.text
    differ = client.post("/console/users/operator1/password", data={
        "password": "long-enough-1", "confirm": "long-enough-2", "csrf_token": token})
    assert differ.status_code == 400 and "The passwords differ." in differ.text
    role = client.post("/console/users/operator1/role", data={"role": "emperor", "csrf_token": token})
    assert role.status_code == 400 and "<strong>Role</strong>" in role.text
    missing = client.post("/console/users/nobody/disable", data={"csrf_token": token})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    taken = client.post("/console/users", data={"username": "operator1", "role": "operator",
                                                "password": "long-enough-1", "csrf_token": token})
    assert taken.status_code == 409 and "already exists" in taken.text
    last = client.post("/console/users/admin1/disable", data={"csrf_token": token})
    assert last.status_code == 409 and "last active admin" in last.text
    with app.app_context():
        assert audit.list_events(action="user_change") == []


def test_the_same_through_flask_users(runner, people, app):
    listing = runner.invoke(args=["users", "list"])
    assert listing.exit_code == 0 and "operator1" in listing.output and "active" in listing.output
    assert runner.invoke(args=["users", "set-role", "operator1", "recorder"]).exit_code == 0
    typed = "cli-pass-123\ncli-pass-123\n"
    assert runner.invoke(args=["users", "set-password", "operator1"], input=typed).exit_code == 0
    assert runner.invoke(args=["users", "disable", "operator1"]).exit_code == 0
    unknown = runner.invoke(args=["users", "disable", "ghost"])
    assert unknown.exit_code != 0 and "User ghost not found." in unknown.output
    assert "disabled" in runner.invoke(args=["users", "list"]).output
    with app.app_context():
        events = audit.list_events(action="user_change")
    assert [(e.channel, e.details["change"]) for e in reversed(events)] == [
        ("cli", "role_changed"), ("cli", "password_reset"), ("cli", "disabled")]


def test_audit_filters_of_the_wrong_type_get_an_error_page(client, people, sign_in):
    sign_in("admin1")
    for query, field in (("before=99999999999999999999", "Older than event"), ("before=x", "Older than event"),
                         ("action=steal", "Action"), ("person=" + "p" * 70, "Person")):
        page = client.get(f"/console/audit?{query}")
        assert page.status_code == 400 and f"<strong>{field}</strong>" in page.text, query
