"""The migrations build exactly the tables the models describe, and downgrade cleanly."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from facial_backend import create_app
from facial_backend.extensions import db
from facial_backend.factory import MIGRATIONS_DIR


def test_migrated_database_matches_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_downgrade_to_base_and_up_again(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "migration-test-secret-key-0123456789",
                      "REDIS_URL": None, "DATABASE_URL": f"sqlite:///{tmp_path}/m.db"})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="heads")
        flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="heads")
        assert {"users", "sessions", "videos"} <= set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_deleted_recordings_stay_deleted_across_0007(tmp_path):
    """0007 drops the stored is_deleted flag for deleted_at; down and up again, a deleted
    recording stays deleted and a live one stays live."""
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "migration-test-secret-key-0123456789",
                      "REDIS_URL": None, "DATABASE_URL": f"sqlite:///{tmp_path}/m.db"})
    rows = "SELECT id, is_deleted, deleted_at IS NOT NULL FROM recordings ORDER BY id"
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="0006")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, username, password_hash, name, role, is_active, created_at)"
                " VALUES ('u1', 'u1', 'x', 'U', 'clinician', 1, '2026-01-01 00:00:00')")
            for rid, deleted in (("r1", 0), ("r2", 1)):
                connection.exec_driver_sql(
                    "INSERT INTO recordings (id, recorded_by_user_id, filename, storage_key, storage_bucket,"
                    " mime_type, recording_type, status, is_deleted, created_at, updated_at)"
                    f" VALUES ('{rid}', 'u1', 'a.m4a', 'k/{rid}', 'b', 'audio/mp4', 'clinical_note',"
                    f" 'uploaded', {deleted}, '2026-01-01 00:00:00', '2026-01-02 00:00:00')")
        flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="0007")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql(
                "SELECT id, deleted_at IS NOT NULL FROM recordings ORDER BY id").all() == [
                ("r1", 0), ("r2", 1)]
        flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="0006")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql(rows).all() == [("r1", 0, 0), ("r2", 1, 1)]
        db.engine.dispose()


def test_one_head():
    """Revisions written side by side are joined by a merge revision: `flask db upgrade` (not
    only `upgrade heads`) takes a database to the newest schema."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
