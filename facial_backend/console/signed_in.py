"""Who is signed in to the console: the cookie session holds the user's id and when they were
last seen; a disabled user, a role without console access or a session idle past
CONSOLE_IDLE_TIMEOUT counts as signed out."""

from __future__ import annotations

import time

from flask import current_app, session

from facial_backend.extensions import db
from facial_backend.models.users import User
from facial_backend.services.console.access import CONSOLE_ROLES


def start(user: User) -> None:
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["seen"] = time.time()


def end() -> None:
    session.clear()


def current() -> tuple[User | None, bool]:
    """``(user, expired)``: the signed-in user, or None and whether an idle session just ended."""
    uid, seen = session.get("uid"), session.get("seen")
    if not isinstance(uid, str) or not isinstance(seen, (int, float)):
        return None, False
    now = time.time()
    if now - seen > current_app.config["CONSOLE_IDLE_TIMEOUT"]:
        session.clear()
        return None, True
    user = db.session.get(User, uid)
    if user is None or not user.is_active or user.role not in CONSOLE_ROLES:
        session.clear()
        return None, False
    session["seen"] = now
    return user, False
