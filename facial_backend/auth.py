"""Signed JWT bearer tokens and the ``login_required`` decorator.

A token that is sent is always verified. Routes whose origin clients send no credentials use
``login_required(open=True)``: open unless ``AUTH_REQUIRED`` is set.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import jwt
from flask import current_app, g, request
from flask_smorest import Blueprint

from facial_backend.errors import ApiError
from facial_backend.extensions import db
from facial_backend.models.users import User
from facial_backend.timeutil import utcnow

ALGORITHM = "HS256"
_BEARER = {"WWW-Authenticate": "Bearer"}
# OpenAPI security of routes needing a token, and of routes open unless AUTH_REQUIRED.
SECURITY = {"required": [{"bearer": []}], "optional": [{"bearer": []}, {}]}


def issue_token(user: User, lifetime_seconds: float | None = None) -> str:
    lifetime = lifetime_seconds or current_app.config["JWT_EXPIRES"]
    now = utcnow()
    claims = {"sub": user.username, "uid": user.id, "role": user.role,
              "iat": now, "exp": now + timedelta(seconds=lifetime)}
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)


def user_from_token(token: str) -> User:
    """The active user a token names; ApiError 401 otherwise."""
    try:
        claims = jwt.decode(token, current_app.config["SECRET_KEY"], algorithms=[ALGORITHM],
                            options={"require": ["sub", "exp"]})
    except jwt.PyJWTError:
        raise unauthorized("Could not validate credentials", "invalid_token") from None
    user = db.session.scalar(db.select(User).filter_by(username=claims["sub"]))
    if user is None:
        raise unauthorized("Could not validate credentials", "invalid_token")
    if not user.is_active:
        raise unauthorized("Inactive user", "inactive_user")
    return user


def unauthorized(message: str = "Not authenticated", code: str = "unauthorized") -> ApiError:
    return ApiError(401, code, message, headers=_BEARER)


def bearer_token() -> str | None:
    """The token of ``Authorization: Bearer``; a malformed header is an error, not anonymity."""
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Authorization header must be 'Bearer <token>'", "invalid_authorization")
    return token.strip()


def current_user() -> User | None:
    """The user of this request, once a decorated route or ``authenticate_request`` ran."""
    return g.get("current_user")


def authenticate_request(token: str | None = None) -> User | None:
    """Verify the request's token (header, or the one given) and remember the user."""
    token = token if token is not None else bearer_token()
    user = user_from_token(token) if token else None
    g.current_user = user
    return user


def auth_required() -> bool:
    return bool(current_app.config["AUTH_REQUIRED"])


def check_role(user: User, roles: Iterable[str] | None) -> None:
    if roles and user.role not in roles and user.role != "admin":
        raise ApiError(403, "forbidden", f"This needs one of the roles: {', '.join(sorted(roles))}.")


def login_required(roles: Iterable[str] | None = None, *, open: bool = False) -> Callable:
    """Require a valid token with one of ``roles`` (admin always passes).

    ``open=True``: anonymous requests pass unless AUTH_REQUIRED is true; a token that is sent
    is still verified and its role checked.
    """
    allowed = frozenset(roles) if roles else None

    def decorator(view: Callable) -> Callable:
        @Blueprint.doc(security=SECURITY["optional" if open else "required"])
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            user = authenticate_request()
            if user is None:
                if open and not auth_required():
                    return view(*args, **kwargs)
                raise unauthorized()
            check_role(user, allowed)
            return view(*args, **kwargs)
        return wrapper
    return decorator
