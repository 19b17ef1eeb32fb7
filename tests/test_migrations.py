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
