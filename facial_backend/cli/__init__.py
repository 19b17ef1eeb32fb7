"""Registers the ``flask`` command groups."""

from flask import Flask

from facial_backend.cli.progress import use_human_logs_on_terminal


def register_commands(app: Flask) -> None:
    use_human_logs_on_terminal()
    from facial_backend.cli.audit import audit_cli
    from facial_backend.cli.recordings import recordings_cli
    from facial_backend.cli.sessions import sessions_cli
    from facial_backend.cli.stt import stt_cli
    from facial_backend.cli.uploads import uploads_cli
    from facial_backend.cli.users import users_cli
    for group in (users_cli, uploads_cli, recordings_cli, stt_cli, audit_cli, sessions_cli):
        app.cli.add_command(group)
