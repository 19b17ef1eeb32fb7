"""Telemetry of one session as chart series: per channel, at most ``MAX_POINTS`` points,
evenly thinned (every n-th point by creation order) when a channel has more."""

from __future__ import annotations

from math import ceil

from sqlalchemy import func, select

from facial_backend.extensions import db
from facial_backend.models.testbed import TelemetryChannel, TelemetryPoint

MAX_POINTS = 2000


def telemetry_series(session_id: str) -> list[dict]:
    """``[{channel, unit, t: [epoch seconds], v: [values], total}]`` sorted by channel."""
    channels = db.session.scalars(select(TelemetryChannel.channel).filter_by(session_id=session_id)
                                  .order_by(TelemetryChannel.channel)).all()
    return [_series(session_id, channel) for channel in channels]


def _series(session_id: str, channel: str) -> dict:
    where = (TelemetryPoint.session_id == session_id, TelemetryPoint.channel == channel)
    total = db.session.scalar(select(func.count()).where(*where))
    step = max(1, ceil(total / MAX_POINTS))
    numbered = select(TelemetryPoint.timestamp, TelemetryPoint.value, TelemetryPoint.unit,
                      func.row_number().over(order_by=(TelemetryPoint.timestamp, TelemetryPoint.seq))
                      .label("n")).where(*where).subquery()
    query = select(numbered.c.timestamp, numbered.c.value, numbered.c.unit)
    if step > 1:
        query = query.where((numbered.c.n - 1) % step == 0)
    rows = db.session.execute(query.order_by(numbered.c.n)).all()
    return {"channel": channel, "unit": next((r.unit for r in rows if r.unit), None), "total": total,
            "t": [r.timestamp.timestamp() for r in rows], "v": [r.value for r in rows]}
