"""``flask uploads purge``: expire partial video uploads nobody finished (``--dry-run``: only list);
its steps show as a bar on a terminal, as lines when piped."""

import click
from flask.cli import AppGroup

from facial_backend.cli.progress import run_steps
from facial_backend.services.recording_app.upload_expiry import purge_expired, remove_orphaned_staging
from facial_backend.services.recordings import incoming_uploads
from facial_backend.services.shared import storage_temporaries
from facial_backend.services.tus import expiry as tus_expiry

uploads_cli = AppGroup("uploads", help="Manage chunked video uploads.")


@uploads_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be expired or removed; change nothing.")
def purge(dry_run: bool) -> None:
    """Expire partial uploads untouched for UPLOAD_TTL and remove their staged chunks, and the
    temporary files of presigned uploads that never finished and of writes a killed process
    left behind."""
    would = "would be " if dry_run else ""
    expired, orphans, stale, removed, tus_orphans, temporaries = run_steps("purging uploads", [
        ("partial uploads", lambda: purge_expired(dry_run=dry_run)),
        ("orphaned staging folders", lambda: remove_orphaned_staging(dry_run=dry_run)),
        ("unfinished presigned uploads", lambda: incoming_uploads.sweep(dry_run=dry_run)),
        ("expired tus uploads", lambda: tus_expiry.purge_expired(dry_run=dry_run)),
        ("orphaned tus staging folders", lambda: tus_expiry.remove_orphaned_staging(dry_run=dry_run)),
        ("temporary files of interrupted writes", lambda: storage_temporaries.sweep(dry_run=dry_run)),
    ])
    for session_id, video_id in expired:
        click.echo(f"{would}expired {session_id}/{video_id}")
    click.echo(f"{len(expired)} partial upload(s) {would}expired")
    click.echo(f"{orphans} orphaned staging folder(s) {would}removed")
    for path in stale:
        click.echo(f"{would}removed {path}")
    click.echo(f"{len(stale)} unfinished presigned upload file(s) {would}removed")
    for upload_id in removed:
        click.echo(f"{would}removed tus upload {upload_id}")
    click.echo(f"{len(removed)} expired tus upload(s) {would}removed")
    click.echo(f"{tus_orphans} orphaned tus staging folder(s) {would}removed")
    for path in temporaries:
        click.echo(f"{would}removed {path}")
    click.echo(f"{len(temporaries)} temporary file(s) of interrupted writes {would}removed")
