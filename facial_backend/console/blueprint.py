"""The console blueprint: every page needs a signed-in user with a console role, every POST
its CSRF token, and a session idle longer than CONSOLE_IDLE_TIMEOUT is signed out."""

from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_wtf.csrf import CSRFProtect

from facial_backend.console import signed_in
from facial_backend.rest import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               description="Operator console: server-rendered HTML pages (cookie session, CSRF on forms)")
csrf = CSRFProtect()
OPEN_ENDPOINTS = {"console.sign_in", "console.static_file", "console.not_found"}


@bp.before_request
def _guard():
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    g.console_user, expired = signed_in.current()
    if g.console_user is None and request.endpoint not in OPEN_ENDPOINTS:
        notice = "expired" if expired else None
        return redirect(url_for("console.sign_in", next=_local_next(), notice=notice))
    return None


@bp.after_request
def _no_store(response):
    """Pages carry personal data: no shared caches, no framing, no sniffing."""
    if request.endpoint != "console.static_file":
        response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _local_next() -> str | None:
    if request.method != "GET":
        return None
    path = request.full_path.rstrip("?")
    return path if path.startswith("/console/") else None


@bp.app_context_processor
def _console_context():
    return {"console_user": g.get("console_user")}
