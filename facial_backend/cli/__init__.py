"""Registers the ``flask`` command groups."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from .recordings import recordings_cli
    from .stt import stt_cli
    from .uploads import uploads_cli
    from .users import users_cli
    for group in (users_cli, uploads_cli, recordings_cli, stt_cli):
        app.cli.add_command(group)
