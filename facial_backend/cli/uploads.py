"""``flask uploads purge``: expire partial video uploads nobody finished."""

import click
from flask.cli import AppGroup

from facial_backend.services.recording_app.upload_expiry import purge_expired, remove_orphaned_staging
from facial_backend.services.tus import expiry as tus_expiry

uploads_cli = AppGroup("uploads", help="Manage chunked video uploads.")


@uploads_cli.command("purge")
def purge() -> None:
    """Expire partial uploads untouched for UPLOAD_TTL and remove their staged chunks."""
    expired = purge_expired()
    for session_id, video_id in expired:
        click.echo(f"expired {session_id}/{video_id}")
    click.echo(f"{len(expired)} partial upload(s) expired")
    click.echo(f"{remove_orphaned_staging()} orphaned staging folder(s) removed")
    removed = tus_expiry.purge_expired()
    for upload_id in removed:
        click.echo(f"removed tus upload {upload_id}")
    click.echo(f"{len(removed)} expired tus upload(s) removed")
    click.echo(f"{tus_expiry.remove_orphaned_staging()} orphaned tus staging folder(s) removed")
