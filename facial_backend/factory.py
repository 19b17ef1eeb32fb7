"""The application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_cors import CORS
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

import storage
from facial_backend import (
    dependency_failures,
    metrics,
    models,  # noqa: F401  (every table, for the metadata and alembic)
    open_mode,
    perf,
    realtime,
    stt,
    url_converters,
)
from facial_backend.config import SETTINGS, ensure_secret_key, load_settings, read_env_files
from facial_backend.errors import register_error_handlers
from facial_backend.extensions import db, migrate
from facial_backend.logs import configure_logging
from facial_backend.rest import create_api
from facial_backend.services.recordings import incoming_uploads
from facial_backend.services.tus import protocol as tus_protocol

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
_SETTING_NAMES = {setting.name for setting in SETTINGS}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. The files ENV_FILE names (``.env``) fill in unset environment variables;
    ``config`` overrides both (same names, same text form); other keys (``TESTING``...) go to
    ``app.config`` as they are."""
    config = dict(config or {})
    read_env_files(os.environ)
    environ = dict(os.environ)
    environ.update({k: str(v) for k, v in config.items() if k in _SETTING_NAMES and v is not None})
    for name in (k for k, v in config.items() if k in _SETTING_NAMES and v is None):
        environ.pop(name, None)
    settings = load_settings(environ)
    ensure_secret_key(settings)

    app = Flask(__name__, static_folder=None)
    app.config.update(settings)
    app.config.update({k: v for k, v in config.items() if k not in _SETTING_NAMES})
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings["DATABASE_URL"]),
        MAX_CONTENT_LENGTH=settings["MAX_BODY_BYTES"],
        JSON_SORT_KEYS=False,
    )
    Path(settings["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if settings["DATABASE_URL"].startswith("sqlite:///"):
        Path(settings["DATABASE_URL"][len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)

    configure_logging(app)
    api = create_api(app)
    register_error_handlers(app)  # after the Api: our error shape replaces flask-smorest's
    dependency_failures.init_app(app)
    url_converters.init_app(app)
    _init_extensions(app)
    with app.app_context():
        incoming_uploads.sweep()  # presigned uploads of killed workers
    realtime.init_app(app)
    perf.init_app(app)
    stt.init_app(app)
    metrics.init_app(app)
    open_mode.init_app(app)
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:  # the client's address, scheme and host as the trusted proxies in front saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    from blueprints import register_blueprints
    register_blueprints(app, api)

    from facial_backend import console
    console.init_app(app)

    from facial_backend.cli import register_commands
    register_commands(app)
    return app


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    origins = list(app.config["CORS_ORIGINS"])
    CORS(app, origins="*" if origins == ["*"] else origins,
         expose_headers=["X-Request-ID", "Content-Range", "Accept-Ranges", *tus_protocol.EXPOSED_HEADERS])
    app.extensions["storage"] = storage.create_storage({
        "STORAGE_BACKEND": app.config["STORAGE_BACKEND"],
        "LOCAL_STORAGE_ROOT": app.config["LOCAL_STORAGE_ROOT"],
        "SIGNING_KEY": app.config["SECRET_KEY"],
        "BASE_URL": lambda: app.config["PUBLIC_BASE_URL"] or request.host_url,
        "S3_BUCKET": app.config["S3_BUCKET"],
        "S3_PREFIX": app.config["S3_PREFIX"],
        "S3_REGION": app.config["S3_REGION"],
        "S3_ENDPOINT_URL": app.config["S3_ENDPOINT_URL"],
        "S3_CREATE_BUCKET": app.config["S3_CREATE_BUCKET"],
        "S3_CONNECT_TIMEOUT": app.config["S3_CONNECT_TIMEOUT"],
        "S3_READ_TIMEOUT": app.config["S3_READ_TIMEOUT"],
        "S3_MAX_ATTEMPTS": app.config["S3_MAX_ATTEMPTS"],
    })


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
