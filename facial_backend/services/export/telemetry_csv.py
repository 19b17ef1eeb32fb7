"""A session's telemetry as CSV, read page by page in time order so memory stays flat however
many points there are (plain rows, never ORM objects kept by the session)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from facial_backend.extensions import db
from facial_backend.models.testbed import TelemetryPoint
from facial_backend.timeutil import isoformat_z

PAGE_ROWS = 5000
HEADER = ("timestamp", "channel", "value", "unit", "id")


def telemetry_csv(session_id: str) -> Iterator[bytes]:
    """The header, then one CSV piece (UTF-8) per page of points."""
    yield _csv_lines([HEADER])
    columns = (TelemetryPoint.timestamp, TelemetryPoint.seq, TelemetryPoint.channel, TelemetryPoint.value,
               TelemetryPoint.unit, TelemetryPoint.id)
    query = db.select(*columns).where(TelemetryPoint.session_id == session_id)
    after = None
    while True:
        page_query = query if after is None else query.where(
            db.tuple_(TelemetryPoint.timestamp, TelemetryPoint.seq) > after)
        rows = db.session.execute(page_query.order_by(TelemetryPoint.timestamp, TelemetryPoint.seq)
                                  .limit(PAGE_ROWS)).all()
        if not rows:
            return
        yield _csv_lines((isoformat_z(t), channel, repr(value), unit or "", point_id)
                         for t, _seq, channel, value, unit, point_id in rows)
        after = (rows[-1][0], rows[-1][1])


def _csv_lines(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()
