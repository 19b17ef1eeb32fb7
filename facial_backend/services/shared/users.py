"""Creating users and checking their passwords."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from facial_backend.errors import ApiError, Conflict
from facial_backend.extensions import db
from facial_backend.models.users import ROLES, User

# The live-session apps' demo users, for development only.
DEMO_USERS = (
    ("evaluator1", "eval1", "evaluator", "Evaluator One"),
    ("evaluator2", "eval2", "evaluator", "Evaluator Two"),
    ("client1", "client1", "client", "Client One"),
    ("client2", "client2", "client", "Client Two"),
)

# Compared against when the user does not exist, so both paths take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_user(username: str, password: str, role: str, name: str | None = None) -> User:
    if role not in ROLES:
        raise ApiError(422, "invalid_role", f"role must be one of {', '.join(ROLES)}.")
    if not username or len(username) > 64:
        raise ApiError(422, "invalid_username", "username must be 1 to 64 characters.")
    if len(password) < 4:
        raise ApiError(422, "weak_password", "password must be at least 4 characters.")
    if db.session.scalar(db.select(User).filter_by(username=username)) is not None:
        raise Conflict(f"User {username} already exists.", "user_exists")
    user = User(username=username, name=name or username, role=role,
                password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with this password, else None."""
    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.is_active or not check_password_hash(user.password_hash, password):
        return None
    return user


def get_by_username(username: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(username=username))


def display_name(user: User | None, username: str) -> str:
    """What the apps show for ``username``: the user's name, or the id itself when the database
    does not know the user."""
    return user.name if user else username


def seed_demo_users() -> list[str]:
    """Create the origin's demo users that do not exist yet; returns the created usernames."""
    created = []
    for username, password, role, name in DEMO_USERS:
        if get_by_username(username) is None:
            create_user(username, password, role, name)
            created.append(username)
    return created
