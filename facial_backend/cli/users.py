"""``flask users create`` and ``flask users seed-demo``."""

import click
from flask import current_app
from flask.cli import AppGroup

from facial_backend.errors import ApiError
from facial_backend.models.users import ROLES
from facial_backend.services.shared import users

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
    click.echo(f"created {user.username} ({user.role})")


@users_cli.command("seed-demo")
@click.option("--force", is_flag=True, help="Also when AUTH_REQUIRED is true.")
def seed_demo(force: bool) -> None:
    """Create the origin's demo users (evaluator1/eval1, client1/client1, ...). Development only."""
    if current_app.config["AUTH_REQUIRED"] and not force:
        raise click.ClickException("AUTH_REQUIRED is true: demo users are for development (use --force).")
    created = users.seed_demo_users()
    click.echo("created " + ", ".join(created) if created else "demo users already exist")
