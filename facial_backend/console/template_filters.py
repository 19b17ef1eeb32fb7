"""How the console writes times and sizes: UTC to the second, sizes in binary units."""

from __future__ import annotations

from datetime import datetime

from facial_backend.console.blueprint import bp
from facial_backend.timeutil import isoformat_z


@bp.app_template_filter("when")
def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


@bp.app_template_filter("iso")
def iso(value: datetime | None) -> str:
    return isoformat_z(value) or ""


@bp.app_template_filter("size")
def size(value: int | None) -> str:
    if not value:
        return "0 B"
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} TiB"
