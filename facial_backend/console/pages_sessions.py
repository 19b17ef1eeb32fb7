"""The sessions table and a session's timeline page (with its live-update fragment and
telemetry series)."""

from __future__ import annotations

from flask import current_app, g, jsonify, render_template, request

from facial_backend.auth import issue_token
from facial_backend.console.blueprint import bp
from facial_backend.console.error_pages import form_error
from facial_backend.console.forms import SessionFilterForm
from facial_backend.console.page_answers import console_answers, html, typed
from facial_backend.models.sessions import SESSION_KINDS
from facial_backend.services.console.access import sees_whole_session, visible_session
from facial_backend.services.console.captions import recordings_with_captions
from facial_backend.services.console.session_table import STATUSES, SessionFilter, list_sessions
from facial_backend.services.console.telemetry_series import telemetry_series
from facial_backend.services.console.timeline import session_timeline

LIVE_TOKEN_SECONDS = 3600


@bp.get("/", endpoint="home")
@bp.get("/sessions")
@console_answers({200: html("The page")})
def sessions():
    """Console: sessions of every kind, filtered, sorted and paged (HTML)"""
    form = SessionFilterForm(formdata=request.args)
    if not form.validate():
        raise form_error(form)
    wanted = SessionFilter(kind=form.kind.data or None, status=form.status.data or None,
                           person=form.person.data or None, search=form.q.data or None,
                           date_from=form.date_from.data, date_to=form.date_to.data,
                           sort=form.sort.data, descending=form.order.data == "desc",
                           page=form.page.data or 1, per_page=int(form.per_page.data))
    page = list_sessions(g.console_user, wanted)
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("console/sessions.html", form=form, page=page, query=query,
                           kinds=SESSION_KINDS, statuses=STATUSES)


@bp.get("/sessions/<session_id>")
@console_answers({200: html("The page")})
def session_page(session_id: str):
    """Console: one session's timeline (HTML)"""
    session = visible_session(g.console_user, session_id)
    timeline = session_timeline(g.console_user, session)
    return render_template("console/session.html", timeline=timeline, session=session,
                           captions=_captions_of(timeline), live=_live_updates(session))


@bp.get("/sessions/<session_id>/items")
@console_answers({200: html("The timeline items")})
def session_items(session_id: str):
    """Console: the timeline items of a session as an HTML fragment (live updates)"""
    session = visible_session(g.console_user, session_id)
    timeline = session_timeline(g.console_user, session)
    return render_template("console/_timeline_items.html", timeline=timeline, session=session,
                           captions=_captions_of(timeline))


@bp.get("/sessions/<session_id>/telemetry.json")
@console_answers({200: typed("application/json", "The series", {"type": "array", "items": {"type": "object"}})})
def session_telemetry(session_id: str):
    """Console: a session's telemetry as chart series (JSON, thinned per channel)"""
    session = visible_session(g.console_user, session_id)
    return jsonify(telemetry_series(session.id) if sees_whole_session(g.console_user, session) else [])


def _captions_of(timeline) -> set[str]:
    return recordings_with_captions([item.row.id for item in timeline.items if item.kind == "recording"])


def _live_updates(session) -> dict | None:
    """How the page follows a running live or testbed session that the user sees whole: the
    events WebSocket, with a short-lived token only when AUTH_REQUIRED closes it otherwise."""
    if session.kind not in ("live", "testbed") or session.status != "active" \
            or not sees_whole_session(g.console_user, session):
        return None
    token = None
    if current_app.config["AUTH_REQUIRED"]:
        token = issue_token(g.console_user, min(LIVE_TOKEN_SECONDS, current_app.config["JWT_EXPIRES"]))
    return {"path": f"/ws/sessions/{session.id}", "token": token}
