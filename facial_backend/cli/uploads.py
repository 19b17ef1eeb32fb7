"""``flask uploads purge``: expire partial video uploads nobody finished (``--dry-run``: only list)."""

import click
from flask.cli import AppGroup

from facial_backend.services.recording_app.upload_expiry import purge_expired, remove_orphaned_staging
from facial_backend.services.recordings import incoming_uploads
from facial_backend.services.tus import expiry as tus_expiry

uploads_cli = AppGroup("uploads", help="Manage chunked video uploads.")


@uploads_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be expired or removed; change nothing.")
def purge(dry_run: bool) -> None:
    """Expire partial uploads untouched for UPLOAD_TTL and remove their staged chunks, and the
    temporary files of presigned uploads that never finished."""
    would = "would be " if dry_run else ""
    expired = purge_expired(dry_run=dry_run)
    for session_id, video_id in expired:
        click.echo(f"{would}expired {session_id}/{video_id}")
    click.echo(f"{len(expired)} partial upload(s) {would}expired")
    click.echo(f"{remove_orphaned_staging(dry_run=dry_run)} orphaned staging folder(s) {would}removed")
    stale = incoming_uploads.sweep(dry_run=dry_run)
    for path in stale:
        click.echo(f"{would}removed {path}")
    click.echo(f"{len(stale)} unfinished presigned upload file(s) {would}removed")
    removed = tus_expiry.purge_expired(dry_run=dry_run)
    for upload_id in removed:
        click.echo(f"{would}removed tus upload {upload_id}")
    click.echo(f"{len(removed)} expired tus upload(s) {would}removed")
    click.echo(f"{tus_expiry.remove_orphaned_staging(dry_run=dry_run)} orphaned tus staging folder(s) "
               f"{would}removed")
