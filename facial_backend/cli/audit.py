"""``flask audit list``: read the access audit, newest first, filtered by person, session, action."""

import json

import click
from flask.cli import AppGroup

from facial_backend.errors import ApiError
from facial_backend.models.audit import AUDIT_ACTIONS
from facial_backend.schemas.audit import AuditEventSchema
from facial_backend.services.shared import audit

audit_cli = AppGroup("audit", help="Read the access audit (it cannot be edited).")


@audit_cli.command("list")
@click.option("--person", default=None, help="Username or user id of who acted.")
@click.option("--session", "session_id", default=None, help="Session id the events concern.")
@click.option("--action", type=click.Choice(AUDIT_ACTIONS), default=None)
@click.option("--since", type=click.DateTime(), default=None, help="Only events at or after (UTC).")
@click.option("--limit", type=click.IntRange(1, audit.MAX_LIST), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_events(person, session_id, action, since, limit, as_json) -> None:
    """Print audit events, newest first."""
    try:
        events = audit.list_events(person=person, session_id=session_id, action=action,
                                   since=since, limit=limit)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    for event in events:
        row = AuditEventSchema().dump(event)
        if as_json:
            click.echo(json.dumps(row, sort_keys=True))
            continue
        who = row["actor_username"] or "-"
        what = f"{row['target_kind']}:{row['target_id']}" if row["target_kind"] else "-"
        click.echo(f"{row['occurred_at']}  {row['action']:<11} {row['channel']:<7} {who:<20} "
                   f"{row['remote_addr'] or '-':<15} session={row['session_id'] or '-'} {what}")
    if not as_json:
        click.echo(f"{len(events)} event(s)")
