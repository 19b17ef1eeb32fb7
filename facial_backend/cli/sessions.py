"""``flask sessions export SID --out FILE``: the API's export zip, written to a file with a
progress bar; the file appears only once complete (a failed export leaves nothing behind)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from facial_backend.errors import ApiError
from facial_backend.schemas.testbed import TestbedNoteSchema
from facial_backend.services.export.session_export import export_from_cli
from storage import StorageError

sessions_cli = AppGroup("sessions", help="Sessions of every kind.")


@sessions_cli.command("export")
@click.argument("session_id")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="Zip file to write (replaced if it exists).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def export(session_id: str, out: Path, quiet: bool) -> None:
    """Export SESSION_ID (media, notes, telemetry, transcripts, manifest.json) as a zip."""
    try:
        archive = export_from_cli(session_id, operator=getpass.getuser(),
                                  note_bodies=TestbedNoteSchema(many=True).dump)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    partial = out.with_name(f".{out.name}.part")
    written = 0
    try:
        with open(partial, "wb") as file, click.progressbar(length=max(archive.media_bytes, 1), label="export",
                                                              hidden=quiet, file=sys.stderr) as bar:
            for piece in archive:
                file.write(piece)
                written += len(piece)
                bar.update(len(piece))
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, out)
    except StorageError as exc:
        raise click.ClickException(f"the export failed, nothing was written: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"wrote {out} ({written} bytes, {len(archive.files) + 1} files, "
               f"{len(archive.missing)} missing media)")
