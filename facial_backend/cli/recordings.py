"""``flask recordings purge``: remove the files of soft-deleted recordings for good."""

import click
from flask.cli import AppGroup

from facial_backend.services.recordings.recordings import purge_deleted

recordings_cli = AppGroup("recordings", help="Manage the iPhone app's recordings.")


@recordings_cli.command("purge")
@click.option("--older-than", "days", type=click.FloatRange(min=0), required=True, metavar="DAYS",
              help="Only recordings deleted at least this many days ago (0: every deleted one).")
def purge(days: float) -> None:
    """Remove from storage the files of recordings soft-deleted more than DAYS ago."""
    purged = purge_deleted(days)
    for recording in purged:
        click.echo(f"purged {recording.id} {recording.storage_key}")
    click.echo(f"{len(purged)} deleted recording(s) purged")
