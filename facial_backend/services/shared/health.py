"""Readiness checks of the parts the service depends on."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import redis
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from facial_backend.extensions import db, get_storage
from facial_backend.realtime import events


def check_database() -> None:
    db.session.execute(text("SELECT 1"))


def check_storage() -> None:
    get_storage().check()


def check_disk() -> None:
    """The data folder has at least MIN_FREE_DISK free (uploads are staged there)."""
    free = shutil.disk_usage(current_app.config["DATA_DIR"]).free
    needed = current_app.config["MIN_FREE_DISK"]
    if free < needed:
        raise OSError(f"{free} bytes free in DATA_DIR, below MIN_FREE_DISK ({needed})")


def check_redis() -> None:
    """Redis answers, and this process's live events are getting to it."""
    url = current_app.config["REDIS_URL"]
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    if events.publishing_fails():
        raise redis.RedisError("live events cannot be appended to Redis")


def readiness() -> dict[str, str]:
    """``{part: "ok" | "error: ..."}`` for the database, storage, free disk and (when configured)
    Redis; a Redis error also tells how many live events this process keeps for it."""
    checks: dict[str, Callable[[], None]] = {"database": check_database, "storage": check_storage,
                                             "disk": check_disk}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = check_redis
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure makes the service not ready; say which
            results[name] = f"error: {type(exc).__name__}: {exc}"[:300]
    if results.get("redis", "ok") != "ok":
        results["redis"] += f"; live events queued: {events.queued()}"
    return results


def database_answers() -> bool:
    """Whether ``SELECT 1`` succeeds (a failed transaction is rolled back)."""
    try:
        check_database()
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def database_kind() -> str:
    return db.engine.dialect.name
