"""The access audit: events are recorded with who, what, when and where, read back with
filters (service and ``flask audit list``), and can never be changed or deleted."""

import json

import pytest

from facial_backend.errors import ApiError
from facial_backend.extensions import db
from facial_backend.models.audit import AuditEvent, AuditIsAppendOnly
from facial_backend.models.users import User
from facial_backend.schemas.audit import AuditEventSchema
from facial_backend.services.shared import audit


def _user(username):
    return db.session.scalar(db.select(User).filter_by(username=username))


def test_record_keeps_who_what_when_where(app, make_user):
    make_user("ops1", "operator")
    with app.test_request_context():
        event = audit.record("export", actor=_user("ops1"), address="10.1.2.3", session_id="sess_a",
                             target_kind="session", target_id="sess_a", details={"files": 3})
        event_id = event.id
    with app.app_context():
        row = AuditEventSchema().dump(db.session.get(AuditEvent, event_id))
    assert row["action"] == "export" and row["channel"] == "api"
    assert row["actor_username"] == "ops1" and row["actor_role"] == "operator"
    assert row["remote_addr"] == "10.1.2.3" and row["session_id"] == "sess_a"
    assert row["details"] == {"files": 3} and row["occurred_at"].endswith("Z")


def test_the_record_outlives_the_user(app, make_user):
    make_user("gone", "operator")
    with app.app_context():
        user = _user("gone")
        audit.record("download", actor=user, address=None, session_id="sess_b")
        db.session.delete(user)
        db.session.commit()
        [event] = audit.list_events(person="gone")
        assert event.actor_username == "gone" and event.action == "download"


def test_filters_by_person_session_and_action(app, make_user):
    make_user("ann", "admin")
    make_user("bob", "operator")
    with app.app_context():
        ann, bob = _user("ann"), _user("bob")
        audit.record("media_view", actor=ann, address="::1", session_id="s1")
        audit.record("export", actor=bob, address="::1", session_id="s1")
        audit.record("delete", actor=bob, address="::1", session_id="s2")
        assert [e.action for e in audit.list_events()] == ["delete", "export", "media_view"]
        assert [e.action for e in audit.list_events(person="bob")] == ["delete", "export"]
        assert [e.action for e in audit.list_events(person=bob.id)] == ["delete", "export"]
        assert [e.action for e in audit.list_events(session_id="s1")] == ["export", "media_view"]
        assert [e.action for e in audit.list_events(person="bob", action="export")] == ["export"]
        newest = audit.list_events(limit=1)
        assert [e.action for e in audit.list_events(before_id=newest[0].id)] == ["export", "media_view"]


def test_bad_filters_name_the_field(app):
    with app.app_context():
        with pytest.raises(ApiError) as raised:
            audit.list_events(action="peek")
        assert raised.value.fields == {"action": ["Must be one of: media_view, download, export, "
                                                  "delete, user_change."]}
        with pytest.raises(ApiError) as raised:
            audit.list_events(limit=0)
        assert "limit" in raised.value.fields
        with pytest.raises(ValueError):
            audit.record("peek", actor=None, address=None)
        assert audit.list_events() == []


def test_records_cannot_be_changed_or_deleted(app):
    with app.app_context():
        event = audit.record("export", actor=None, address="127.0.0.1", channel="cli")
        event.action = "delete"
        with pytest.raises(AuditIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AuditIsAppendOnly):
            db.session.delete(db.session.get(AuditEvent, event.id))
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AuditIsAppendOnly):
            db.session.execute(db.delete(AuditEvent))
        db.session.rollback()
        with pytest.raises(AuditIsAppendOnly):
            db.session.execute(db.update(AuditEvent).values(action="delete"))
        db.session.rollback()
        assert [(e.action, e.channel) for e in audit.list_events()] == [("export", "cli")]


def test_flask_audit_list(app, runner, make_user):
    make_user("carol", "admin")
    with app.app_context():
        audit.record("export", actor=_user("carol"), address="192.0.2.7", session_id="sess_x",
                     target_kind="session", target_id="sess_x")
        audit.record("download", actor=None, address="192.0.2.8", session_id="sess_y")
    result = runner.invoke(args=["audit", "list", "--person", "carol"])
    assert result.exit_code == 0, result.output
    assert "export" in result.output and "carol" in result.output and "192.0.2.7" in result.output
    assert "sess_y" not in result.output and "1 event(s)" in result.output
    result = runner.invoke(args=["audit", "list", "--session", "sess_y", "--json"])
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    assert json.loads(line)["remote_addr"] == "192.0.2.8"
    result = runner.invoke(args=["audit", "list", "--action", "peek"])
    assert result.exit_code == 2 and "peek" in result.output
