"""``flask recordings purge --older-than DAYS`` removes the files of soft-deleted recordings."""

from __future__ import annotations

from datetime import timedelta

from facial_backend.extensions import db
from facial_backend.models.recordings import Recording
from facial_backend.timeutil import utcnow
from tests.recordings.conftest import bearer, uploaded_recording


def test_purge_removes_only_old_deleted_files(app, client, runner, alice):
    _, token = alice
    old, recent, kept = (uploaded_recording(client, token) for _ in range(3))
    for recording_id in (old, recent):
        assert client.delete(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).status_code == 200
    storage = app.extensions["storage"]
    with app.app_context():
        db.session.get(Recording, old).deleted_at = utcnow() - timedelta(days=10)
        db.session.commit()
        keys = {rid: db.session.get(Recording, rid).storage_key for rid in (old, recent, kept)}

    result = runner.invoke(args=["recordings", "purge", "--older-than", "7"])
    assert result.exit_code == 0, result.output
    assert f"purged {old} {keys[old]}" in result.output and "1 deleted recording(s) purged" in result.output
    assert storage.head(keys[old]) is None
    assert storage.head(keys[recent]) is not None and storage.head(keys[kept]) is not None
    with app.app_context():
        assert db.session.get(Recording, old).purged_at is not None  # the row stays as the record
        assert db.session.get(Recording, recent).purged_at is None

    again = runner.invoke(args=["recordings", "purge", "--older-than", "7"])
    assert "0 deleted recording(s) purged" in again.output
    everything = runner.invoke(args=["recordings", "purge", "--older-than", "0"])
    assert f"purged {recent}" in everything.output and storage.head(keys[recent]) is None
    assert storage.head(keys[kept]) is not None


def test_purge_needs_a_non_negative_age(runner):
    assert runner.invoke(args=["recordings", "purge"]).exit_code != 0
    assert runner.invoke(args=["recordings", "purge", "--older-than", "-1"]).exit_code != 0
