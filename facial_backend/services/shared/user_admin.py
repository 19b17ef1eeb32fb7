"""Administering users (console and ``flask users``): list, change role, reset password,
disable and enable. A disabled user's tokens stop working at once: every request checks
``is_active``. An admin cannot demote or disable the last active admin."""

from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from facial_backend.errors import ApiError, NotFound
from facial_backend.extensions import db
from facial_backend.models.users import ROLES, User

MIN_PASSWORD = 8


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))


def get_user(username: str) -> User:
    user = db.session.scalar(select(User).filter_by(username=username))
    if user is None:
        raise NotFound(f"User {username} not found.", "user_not_found")
    return user


def set_role(username: str, role: str) -> User:
    if role not in ROLES:
        raise ApiError(422, "invalid_role", f"role must be one of {', '.join(ROLES)}.",
                       fields={"role": ["unknown role"]})
    user = get_user(username)
    if user.role == "admin" and role != "admin":
        _keep_an_admin(user)
    user.role = role
    db.session.commit()
    return user


def set_password(username: str, password: str) -> User:
    if len(password) < MIN_PASSWORD:
        raise ApiError(422, "weak_password", f"password must be at least {MIN_PASSWORD} characters.",
                       fields={"password": [f"at least {MIN_PASSWORD} characters"]})
    user = get_user(username)
    user.password_hash = generate_password_hash(password)
    db.session.commit()
    return user


def set_active(username: str, active: bool) -> User:
    user = get_user(username)
    if not active and user.role == "admin":
        _keep_an_admin(user)
    user.is_active = active
    db.session.commit()
    return user


def _keep_an_admin(user: User) -> None:
    others = db.session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.is_active.is_(True), User.id != user.id))
    if not others:
        raise ApiError(409, "last_admin", f"{user.username} is the last active admin.")
