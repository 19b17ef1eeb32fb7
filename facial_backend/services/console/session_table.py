"""The console's sessions table: one page of sessions of every kind with their counts.

Filtering, sorting and paging run on the ``sessions`` table alone; the counts and sizes of the
page's rows come from one more query (correlated subqueries over indexed ``session_id``
columns), so a page costs the same at ten or ten thousand sessions.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from math import ceil
from typing import Any

from sqlalchemy import bindparam, distinct, func, or_, select

from facial_backend.errors import NotFound
from facial_backend.extensions import db
from facial_backend.models.live import LiveSegment
from facial_backend.models.recordings import Recording
from facial_backend.models.sessions import StudySession
from facial_backend.models.testbed import Note, SttTask, TelemetryPoint
from facial_backend.models.uploads import Video
from facial_backend.models.users import User
from facial_backend.services.console.access import sessions_visible_to

SORTS = {
    "started": StudySession.started_at,
    "kind": StudySession.kind,
    "status": StudySession.status,
    "person": func.coalesce(StudySession.participant_name, StudySession.participant_id,
                            StudySession.evaluator_id, StudySession.client_id, ""),
}
PAGE_SIZES = (25, 50, 100)
# The statuses the origins give sessions (recording app: created; live and testbed: active, ended).
STATUSES = ("created", "active", "ended")
COUNTED = ("videos", "segments", "recordings", "notes", "telemetry", "transcripts")


@dataclass
class SessionFilter:
    """What the table shows; every field is optional."""

    kind: str | None = None
    status: str | None = None
    person: str | None = None
    search: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "started"
    descending: bool = True
    page: int = 1
    per_page: int = 25


@dataclass
class SessionRow:
    session: StudySession
    counts: dict[str, int] = field(default_factory=dict)
    size_bytes: int = 0


@dataclass
class SessionPage:
    rows: list[SessionRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def list_sessions(user: User, wanted: SessionFilter) -> SessionPage:
    """One page of the sessions ``user`` may see; 404 for a page past the last one.

    A text search reads every session whatever the page, so its page and its total come from
    that one pass (a window count); other pages count apart, as an index gives their rows
    without reading the rest."""
    conditions = _conditions(user, wanted)
    order = SORTS[wanted.sort]
    ties = (StudySession.started_at.desc(), StudySession.id.desc())  # newest first among equals
    ordering = (order.desc() if wanted.descending else order.asc(), *ties)
    rows = select(StudySession).where(*conditions).order_by(*ordering) \
        .limit(wanted.per_page).offset((wanted.page - 1) * wanted.per_page)
    sessions, total = [], None
    if wanted.search:
        found = db.session.execute(rows.add_columns(func.count().over())).all()
        sessions = [session for session, _ in found]
        total = found[0][1] if found else None
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(StudySession).where(*conditions))
    page = SessionPage([], total, wanted.page, wanted.per_page)
    if wanted.page > page.pages:
        raise NotFound(f"There is no page {wanted.page}: the table has {page.pages} page(s).",
                       "page_not_found", last_page=page.pages)
    if not wanted.search:
        sessions = db.session.scalars(rows).all()
    counts = _counts([s.id for s in sessions])
    page.rows = [SessionRow(s, *counts.get(s.id, ({}, 0))) for s in sessions]
    return page




def _conditions(user: User, wanted: SessionFilter) -> list[Any]:
    conditions = []
    visible = sessions_visible_to(user)
    if visible is not None:
        conditions.append(visible)
    if wanted.kind:
        conditions.append(StudySession.kind == wanted.kind)
    if wanted.status:
        conditions.append(StudySession.status == wanted.status)
    if wanted.date_from:
        conditions.append(StudySession.started_at >= datetime.combine(wanted.date_from, time(), UTC))
    if wanted.date_to and wanted.date_to < date.max:
        conditions.append(StudySession.started_at < datetime.combine(wanted.date_to + timedelta(days=1),
                                                                     time(), UTC))
    if wanted.person:
        person = wanted.person.strip()
        creators = select(User.id).where(User.username == person)
        conditions.append(or_(StudySession.participant_id == person, StudySession.participant_name == person,
                              StudySession.evaluator_id == person, StudySession.client_id == person,
                              StudySession.created_by_id.in_(creators)))
    if wanted.search:
        pattern = "%" + _escape_like(wanted.search.strip().lower()) + "%"
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            StudySession.id, StudySession.name, StudySession.participant_name, StudySession.participant_id))))
    return conditions


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _count_of(column, *where) -> Any:
    return select(func.count()).where(column == StudySession.id, *where).scalar_subquery()


def _sum_of(column, session_column, *where) -> Any:
    return select(func.coalesce(func.sum(column), 0)).where(session_column == StudySession.id,
                                                             *where).scalar_subquery()


def _counts(session_ids: list[str]) -> dict[str, tuple[dict[str, int], int]]:
    """``{session_id: (counts, size_bytes)}`` for the given sessions, in one query."""
    if not session_ids:
        return {}
    out = {}
    for row in db.session.execute(_counts_statement(), {"ids": session_ids}).mappings():
        out[row["id"]] = ({name: int(row[name]) for name in COUNTED}, int(row["size_bytes"]))
    return out


@functools.cache
def _counts_statement():
    """Built once: the statement and its cache key are reused by every page."""
    recording_ids = select(SttTask.recording_id).where(
        SttTask.session_id == StudySession.id, SttTask.recording_id.is_not(None)).correlate(StudySession)
    columns = {
        "videos": _count_of(Video.session_id),
        "segments": _count_of(LiveSegment.session_id),
        "recordings": select(func.count(distinct(SttTask.recording_id))).where(
            SttTask.session_id == StudySession.id).scalar_subquery(),
        "notes": _count_of(Note.session_id),
        "telemetry": _count_of(TelemetryPoint.session_id),
        "transcripts": _count_of(LiveSegment.session_id, LiveSegment.transcript_status == "done")
        + _count_of(SttTask.session_id, SttTask.status == "done"),
    }
    sizes = (_sum_of(Video.size, Video.session_id)
             + _sum_of(LiveSegment.audio_size, LiveSegment.session_id)
             + select(func.coalesce(func.sum(Recording.file_size_bytes), 0))
             .where(Recording.id.in_(recording_ids)).correlate(StudySession).scalar_subquery())
    return select(StudySession.id, sizes.label("size_bytes"),
                  *(columns[name].label(name) for name in COUNTED)
                  ).where(StudySession.id.in_(bindparam("ids", expanding=True)))
