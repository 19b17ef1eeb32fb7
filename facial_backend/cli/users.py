"""``flask users create|list|set-role|set-password|disable|enable|seed-demo``; every change is
recorded in the access audit (channel ``cli``)."""

import click
from flask import current_app
from flask.cli import AppGroup

from facial_backend.errors import ApiError
from facial_backend.models.users import ROLES, User
from facial_backend.services.shared import audit, user_admin, users

users_cli = AppGroup("users", help="Manage users.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default=None, help="Display name (default: the username).")
@click.password_option()
def create(username: str, role: str, name: str | None, password: str) -> None:
    """Create a user."""
    try:
        user = users.create_user(username, password, role, name)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    _audit(user, "created", role=user.role)
    click.echo(f"created {user.username} ({user.role})")


@users_cli.command("list")
def list_users() -> None:
    """Print every user: username, role, state, name."""
    for user in user_admin.list_users():
        state = "active" if user.is_active else "disabled"
        click.echo(f"{user.username:<24} {user.role:<10} {state:<9} {user.name}")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def set_role(username: str, role: str) -> None:
    """Change a user's role."""
    user = _change(user_admin.set_role, username, role)
    _audit(user, "role_changed", role=role)
    click.echo(f"{user.username} is now {user.role}")


@users_cli.command("set-password")
@click.argument("username")
@click.password_option()
def set_password(username: str, password: str) -> None:
    """Reset a user's password."""
    user = _change(user_admin.set_password, username, password)
    _audit(user, "password_reset")
    click.echo(f"password of {user.username} changed")


@users_cli.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable a user: no sign-in, and their tokens stop working at once."""
    _set_active(username, False)


@users_cli.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Enable a disabled user again."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    change = "enabled" if active else "disabled"
    user = _change(user_admin.set_active, username, active)
    _audit(user, change)
    click.echo(f"{user.username} {change}")


def _change(action, *args) -> User:
    try:
        return action(*args)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None


def _audit(user: User, change: str, **details) -> None:
    audit.record("user_change", actor=None, address=None, channel="cli", target_kind="user",
                 target_id=user.id, details={"change": change, "username": user.username, **details})


@users_cli.command("seed-demo")
@click.option("--force", is_flag=True, help="Also when AUTH_REQUIRED is true.")
def seed_demo(force: bool) -> None:
    """Create the origin's demo users (evaluator1/eval1, client1/client1, ...). Development only."""
    if current_app.config["AUTH_REQUIRED"] and not force:
        raise click.ClickException("AUTH_REQUIRED is true: demo users are for development (use --force).")
    created = users.seed_demo_users()
    click.echo("created " + ", ".join(created) if created else "demo users already exist")
