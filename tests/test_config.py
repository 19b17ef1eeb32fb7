"""Settings: parsed once, validated, and a bad value stops start-up naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
import requests

from facial_backend import create_app
from facial_backend.config import (
    SETTINGS,
    ConfigError,
    load_settings,
    parse_bytes,
    parse_seconds,
    read_env_files,
)
from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parent.parent


def test_embedded_defaults(tmp_path):
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path}/.db/service.db"
    assert settings["STORAGE_BACKEND"] == "local"
    assert settings["LOCAL_STORAGE_ROOT"] == str(tmp_path)
    assert settings["AUTH_REQUIRED"] is False
    assert settings["MAX_CHUNK_BYTES"] == 8 * 1024 * 1024
    assert settings["UPLOAD_TTL"] == 24 * 3600
    assert settings["REDIS_URL"] is None


def test_postgres_url_uses_psycopg3():
    settings = load_settings({"DATABASE_URL": "postgresql://u@127.0.0.1:5432/db"})
    assert settings["DATABASE_URL"] == "postgresql+psycopg://u@127.0.0.1:5432/db"


@pytest.mark.parametrize("name, value", [
    ("AUTH_REQUIRED", "maybe"), ("MAX_CHUNK_BYTES", "-1"), ("MAX_CHUNK_BYTES", "lots"),
    ("STORAGE_BACKEND", "ftp"), ("DATABASE_URL", "mysql://x"), ("JWT_EXPIRES", "soon"),
    ("UPLOAD_TTL", "0"), ("REDIS_URL", "localhost:6379"), ("STT_ENGINE", "cloud"),
    ("SOCKET_RATE_LIMIT", "abc"), ("STT_CPU_THREADS", "0"),
])
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_combinations_are_checked():
    with pytest.raises(ConfigError, match="S3_BUCKET"):
        load_settings({"STORAGE_BACKEND": "s3"})
    with pytest.raises(ConfigError, match="STT_HTTP_URL"):
        load_settings({"STT_ENGINE": "http"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings({"SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="SOCKET_RATE_BURST"):
        load_settings({"SOCKET_RATE_LIMIT": "500", "SOCKET_RATE_BURST": "10"})


def test_units():
    assert parse_seconds("250ms") == 0.25
    assert parse_seconds("5m") == 300
    assert parse_seconds("2d") == 172800
    assert parse_bytes("8MiB") == 8388608
    assert parse_bytes("15MB") == 15_000_000


def test_bad_value_stops_the_real_entry_point(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path), "MAX_CHUNK_BYTES": "huge"}
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "MAX_CHUNK_BYTES='huge' is invalid" in result.stderr


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": None})
    second = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": None})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (tmp_path / ".secret_key").stat().st_mode & 0o077 == 0
    for app in (first, second):
        with app.app_context():
            from facial_backend.extensions import db
            db.engine.dispose()


def test_every_setting_is_documented():
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for setting in SETTINGS:
        assert f"\n{setting.name}=" in example, setting.name
        assert f"`{setting.name}`" in readme, setting.name


def test_env_files_fill_in_only_what_is_unset(tmp_path):
    first, second = tmp_path / "first.env", tmp_path / "second.env"
    first.write_text("LOG_LEVEL=debug\nJWT_EXPIRES=1h\n")
    second.write_text("LOG_LEVEL=error\nUPLOAD_TTL=2h\nJWT_EXPIRES=2h\n")
    environ = {"ENV_FILE": f"{first},{tmp_path / 'missing.env'},{second}", "JWT_EXPIRES": "5m"}
    assert read_env_files(environ) == [str(first), str(second)]
    assert (environ["LOG_LEVEL"], environ["JWT_EXPIRES"], environ["UPLOAD_TTL"]) == ("debug", "5m", "2h")


def test_server_and_cli_read_the_same_env_file(tmp_path):
    """gunicorn and the flask CLI both take DATA_DIR and SECRET_KEY from the file; the
    environment's AUTH_REQUIRED=false wins over the file's true in both."""
    secret = "dotenv-secret-that-is-long-enough-for-hs256"
    env_file = tmp_path / "settings.env"
    env_file.write_text(f"DATA_DIR={tmp_path / 'data'}\nSECRET_KEY={secret}\nAUTH_REQUIRED=true\n"
                        "LOG_LEVEL=warning\n")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ENV_FILE": str(env_file),
           "AUTH_REQUIRED": "false"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade", "heads"], ["users", "seed-demo"],
                 ["users", "create", "ana", "--role", "operator", "--password", "pw-secret-1"]):
        result = subprocess.run(flask + args, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
    server = LiveServer(env, tmp_path / "gunicorn.log")
    try:
        server.wait_ready()
        token = requests.post(server.base_url + "/api/v1/auth/token", timeout=30,
                              data={"username": "ana", "password": "pw-secret-1"})
        assert token.status_code == 200, token.text
        claims = jwt.decode(token.json()["access_token"], secret, algorithms=["HS256"])
        assert claims["sub"] == "ana"
        open_route = requests.post(server.base_url + "/api/session/create", json={}, timeout=30)
        assert open_route.status_code == 201, open_route.text
    finally:
        server.stop()
    assert (tmp_path / "data" / ".db" / "service.db").is_file()


@pytest.mark.parametrize("environ, dotenv, engine", [
    ({}, "", "local"),
    ({"STT_ENGINE": "none"}, "", "none"),
    ({}, "STT_ENGINE=none\n", "none"),
])
def test_make_run_transcribes_unless_told_otherwise(tmp_path, environ, dotenv, engine):
    """``make run`` reads .env, then deploy/make-run.env: local unless the environment or .env
    choose another engine."""
    (tmp_path / ".env").write_text(dotenv)
    environ = {**environ, "ENV_FILE": f"{tmp_path / '.env'},{ROOT / 'deploy' / 'make-run.env'}"}
    read_env_files(environ)
    assert load_settings(environ)["STT_ENGINE"] == engine
