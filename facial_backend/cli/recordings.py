"""``flask recordings purge``: remove the files of soft-deleted recordings for good (a spinner on
a terminal while it runs, plain lines when piped); each removal is in the access audit."""

import click
from flask.cli import AppGroup

from facial_backend.cli.progress import spinner
from facial_backend.services.recordings.recordings import purge_deleted

recordings_cli = AppGroup("recordings", help="Manage the iPhone app's recordings.")


@recordings_cli.command("purge")
@click.option("--older-than", "days", type=click.FloatRange(min=0), required=True, metavar="DAYS",
              help="Only recordings deleted at least this many days ago (0: every deleted one).")
@click.option("--dry-run", is_flag=True, help="List what would be purged; change nothing.")
def purge(days: float, dry_run: bool) -> None:
    """Remove from storage the files of recordings soft-deleted more than DAYS ago."""
    with spinner("purging deleted recordings"):
        purged = purge_deleted(days, channel="cli", dry_run=dry_run)
    done = "would be purged" if dry_run else "purged"
    for recording in purged:
        click.echo(f"{done} {recording.id} {recording.storage_key}")
    click.echo(f"{len(purged)} deleted recording(s) {done}")
