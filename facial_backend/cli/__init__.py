"""Registers the ``flask`` command groups."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from facial_backend.cli.audit import audit_cli
    from facial_backend.cli.recordings import recordings_cli
    from facial_backend.cli.stt import stt_cli
    from facial_backend.cli.uploads import uploads_cli
    from facial_backend.cli.users import users_cli
    for group in (users_cli, uploads_cli, recordings_cli, stt_cli, audit_cli):
        app.cli.add_command(group)
