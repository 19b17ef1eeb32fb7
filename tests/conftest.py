"""Fixtures: a migrated database (SQLite, or PostgreSQL via DATABASE_URL), one app per test on
a fresh data folder, the test clients, real gunicorn processes and an S3 endpoint from moto.

The whole suite runs on the S3 backend with TEST_STORAGE_BACKEND=s3.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import flask_migrate
import pytest
from moto.server import ThreadedMotoServer

from facial_backend import create_app
from facial_backend.extensions import db, socketio
from facial_backend.factory import MIGRATIONS_DIR
from tests import isolation
from tests.live_server import LiveServer
from tests.worker_process import WorkerProcess

SECRET = "test-secret-key-that-is-long-enough-for-hs256"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="session")
def aws_credentials(tmp_path_factory):
    """Dummy AWS credentials and region; no AWS config file of the machine is read."""
    empty = tmp_path_factory.mktemp("aws") / "none"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(empty),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        }.items():
            patch.setenv(name, value)
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def moto_endpoint(aws_credentials):
    """URL of a moto S3 server on a free loopback port, for the whole test session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The test database, migrated once to the newest revision."""
    url = isolation.database_url(os.environ.get("DATABASE_URL") or
                                 f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}")
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(tmp_path_factory.mktemp("migrate")),
                      "SECRET_KEY": SECRET, "REDIS_URL": None, "STORAGE_BACKEND": "local"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="heads")
        db.engine.dispose()
    return url


@pytest.fixture
def storage_settings(request) -> dict[str, str]:
    if os.environ.get("TEST_STORAGE_BACKEND", "local") != "s3":
        return {"STORAGE_BACKEND": "local"}
    endpoint = request.getfixturevalue("moto_endpoint")
    return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": endpoint, "S3_CREATE_BUCKET": "true",
            "S3_BUCKET": f"test-{uuid.uuid4().hex[:12]}", "S3_REGION": "us-east-1"}


@pytest.fixture
def app_settings(database_url, storage_settings, tmp_path) -> dict[str, str]:
    """The settings of this test's app, as environment variables (also for live servers)."""
    return {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": SECRET, "UPLOAD_FSYNC": "false", **storage_settings}


@pytest.fixture
def app(app_settings):
    app = create_app({**app_settings, "TESTING": True, "REDIS_URL": None})
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def make_app(app_settings):
    """More apps with this test's settings plus overrides; their database connections are closed
    when the test ends (the ``app`` fixture's tables are emptied by it)."""
    made = []

    def make(**overrides):
        made.append(create_app({**app_settings, "TESTING": True, "REDIS_URL": None, **overrides}))
        return made[-1]
    yield make
    for each in made:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


def _empty_tables() -> None:
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            used = _used_postgresql_tables(connection)
            if used:
                connection.exec_driver_sql(f"TRUNCATE {', '.join(used)} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


def _used_postgresql_tables(connection) -> list[str]:
    """The tables holding rows or whose id sequence was drawn from: a TRUNCATE costs a new file
    per table, so the untouched ones are left out (a test writes to a few of them)."""
    tables = [table.name for table in db.metadata.sorted_tables]
    holding = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT FROM {name})" for name in tables)
    drawn = ("SELECT DISTINCT owner.relname FROM pg_sequences s "
             "JOIN pg_class seq ON seq.relname = s.sequencename AND seq.relnamespace = s.schemaname::regnamespace "
             "JOIN pg_depend dep ON dep.objid = seq.oid AND dep.deptype IN ('a', 'i') "
             "JOIN pg_class owner ON owner.oid = dep.refobjid "
             "WHERE s.schemaname = current_schema() AND s.last_value IS NOT NULL")
    return sorted({*connection.exec_driver_sql(holding).scalars(), *connection.exec_driver_sql(drawn).scalars()}
                  & set(tables))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def socketio_client(app, client):
    test_client = socketio.test_client(app, flask_test_client=client)
    yield test_client
    if test_client.is_connected():
        test_client.disconnect()


@pytest.fixture
def make_user(app):
    """Create a user and return (user, token)."""
    from facial_backend.auth import issue_token
    from facial_backend.services.shared.users import create_user

    def make(username: str, role: str, password: str = "secret-pass", name: str | None = None):
        with app.app_context():
            user = create_user(username, password, role, name)
            with app.test_request_context():
                token = issue_token(user)
            return user.id, token
    return make


@pytest.fixture
def live_server_factory(app, app_settings, tmp_path):
    """Start real gunicorn gevent processes with this test's settings (plus overrides)."""
    servers: list[LiveServer] = []

    def start(extra_env: dict[str, str] | None = None, workers: int = 1) -> LiveServer:
        env = {**os.environ, **AWS_ENV, **app_settings, "LOG_LEVEL": "warning", **(extra_env or {})}
        env.pop("REDIS_URL", None) if "REDIS_URL" not in (extra_env or {}) else None
        server = LiveServer(env, tmp_path / f"gunicorn-{len(servers)}.log", workers=workers)
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(live_server_factory) -> LiveServer:
    return live_server_factory()


@pytest.fixture
def worker_process(app_settings, tmp_path):
    """Start ``flask stt worker`` processes with the test's settings plus ``env``."""
    started: list[WorkerProcess] = []

    def start(env: dict[str, str], *args: str) -> WorkerProcess:
        full_env = {**os.environ, **AWS_ENV, **app_settings, "LOG_LEVEL": "info", **env}
        if "REDIS_URL" not in env:  # as the live servers: Redis only where the test asks for it
            full_env.pop("REDIS_URL", None)
        command = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "stt", "worker", *args]
        process = WorkerProcess(command, full_env, tmp_path / f"worker-{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


@pytest.fixture
def run_stt_jobs(app):
    """Claim and process every due transcription job in this process, as `flask stt worker`
    does; returns the states the jobs ended in. The fake engine unless one is given."""
    from facial_backend.stt import jobs as stt_jobs
    from facial_backend.stt.engines import FakeEngine
    from facial_backend.stt.worker import Worker

    def run(engine=None) -> list[str]:
        with app.app_context():
            worker = Worker(engine or FakeEngine())
            states = []
            while (job := stt_jobs.claim_next(worker.worker_id)) is not None:
                states.append(worker.process(job))
            return states
    return run


def data_files(root: Path) -> list[str]:
    """Every file under a data folder, relative, for 'nothing was left behind' checks."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
