"""Telemetry of a session: ingestion in batches, queries by channel and time.

A batch is written in one transaction (all or nothing): ``COPY`` on PostgreSQL, one
``executemany`` INSERT elsewhere. Points are read through the ``(session_id, channel,
timestamp, seq)`` index, so ``latest`` and channel queries stay fast at millions of points.
The channels a session has are kept in their own small table.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, insert, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite

from facial_backend.errors import NotFound
from facial_backend.extensions import db
from facial_backend.models.testbed import TelemetryChannel, TelemetryPoint
from facial_backend.services.testbed.sessions import require_open, session_status
from facial_backend.timeutil import isoformat_z

_POINT = TelemetryPoint.__table__
_DIALECT_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_COPY = "COPY testbed_telemetry (id, session_id, timestamp, channel, value, unit) FROM STDIN"


def ingest(session_id: str, points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store validated points (``timestamp`` aware UTC, ``channel``, ``value``, ``unit``)
    in one transaction; returns them with their ids."""
    require_open(session_id, "telemetry is no longer accepted", share_lock=True)
    random = secrets.token_hex(12 * len(points))  # one system call for the batch's 96-bit ids
    rows = [{"id": "tel_" + random[24 * n:24 * n + 24], "session_id": session_id, **point}
            for n, point in enumerate(points)]
    if rows:
        _write(rows)
        _remember_channels(session_id, {row["channel"] for row in rows})
    db.session.commit()
    return rows


def _write(rows: list[dict[str, Any]]) -> None:
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(_POINT), rows)  # Core: no ORM work per row
        return
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(_COPY) as copy:
        for row in rows:
            copy.write_row((row["id"], row["session_id"], row["timestamp"], row["channel"],
                            row["value"], row["unit"]))


def _remember_channels(session_id: str, channels: set[str]) -> None:
    statement = _DIALECT_INSERT[db.engine.dialect.name](TelemetryChannel).on_conflict_do_nothing()
    db.session.execute(statement, [{"session_id": session_id, "channel": c} for c in sorted(channels)])


def _columns() -> tuple:
    """The point's columns, the timestamp as the driver gives it: SQLAlchemy's SQLite datetime
    parsing costs more than the rest of a 1,000-point query (``_iso_z`` reads it instead)."""
    raw = String() if db.engine.dialect.name == "sqlite" else DateTime(timezone=True)
    return (_POINT.c.id, _POINT.c.session_id, type_coerce(_POINT.c.timestamp, raw).label("timestamp"),
            _POINT.c.channel, _POINT.c.value, _POINT.c.unit)


def _iso_z(value: datetime | str) -> str:
    if isinstance(value, str):  # SQLite's text, UTC: "YYYY-MM-DD HH:MM:SS.ffffff"
        text = value.replace(" ", "T", 1)
        return (text[:-7] if text.endswith(".000000") else text) + "Z"
    return isoformat_z(value)


def query(session_id: str, channel: str | None, start: datetime | None, end: datetime | None,
          limit: int) -> list[dict[str, Any]]:
    """Newest first, at most ``limit`` points; ``start``/``end`` inclusive."""
    statement = select(*_columns()).where(_POINT.c.session_id == session_id)
    if channel is not None:
        statement = statement.where(_POINT.c.channel == channel)
    if start is not None:
        statement = statement.where(_POINT.c.timestamp >= start)
    if end is not None:
        statement = statement.where(_POINT.c.timestamp <= end)
    statement = statement.order_by(_POINT.c.timestamp.desc(), _POINT.c.seq.desc()).limit(limit)
    points = [_row_dict(row) for row in db.session.connection().execute(statement)]
    if not points:  # points are only stored for existing sessions: the check is needed only now
        session_status(session_id)
    return points


def latest(session_id: str, channel: str) -> dict[str, Any]:
    row = db.session.connection().execute(
        select(*_columns()).where(_POINT.c.session_id == session_id, _POINT.c.channel == channel)
        .order_by(_POINT.c.timestamp.desc(), _POINT.c.seq.desc()).limit(1)).first()
    if row is None:
        session_status(session_id)
        raise NotFound(f"No telemetry found for channel: {channel}", "telemetry_not_found")
    return _row_dict(row)


def channels(session_id: str) -> list[str]:
    session_status(session_id)
    return list(db.session.scalars(select(TelemetryChannel.channel).filter_by(
        session_id=session_id).order_by(TelemetryChannel.channel)))


def _row_dict(row: Any) -> dict[str, Any]:
    """A stored point with its timestamp read as UTC text (see ``_columns``)."""
    return {**row._mapping, "timestamp": _iso_z(row.timestamp)}
