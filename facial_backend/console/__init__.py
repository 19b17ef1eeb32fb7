"""The operator console: server-rendered pages under ``/console`` (cookie session, CSRF)."""

from __future__ import annotations

from flask import Flask

from facial_backend.console import (  # noqa: F401  (their routes register on the blueprint)
    assets,
    error_pages,
    pages_audit,
    pages_media,
    pages_sessions,
    pages_users,
    signin,
    template_filters,
)
from facial_backend.console.blueprint import bp, csrf
from facial_backend.console.cookie_session import ConsoleSessionInterface
from facial_backend.console.error_pages import AnyRest


def init_app(app: Flask) -> None:
    """Register the pages through the app's Api (so they are documented). CSRF is checked on
    the console's own forms only (the JSON API's clients send bearer tokens or nothing, never
    this cookie)."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.update(SESSION_COOKIE_NAME="console_session", SESSION_COOKIE_PATH="/console",
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=app.config["CONSOLE_IDLE_TIMEOUT"])
    app.session_interface = ConsoleSessionInterface()
    csrf.init_app(app)
    app.url_map.converters["console_rest"] = AnyRest
    app.extensions["rest_api"].register_blueprint(bp)
