"""The access audit (admins only): who viewed, downloaded, exported, deleted or changed what."""

from __future__ import annotations

from flask import render_template, request

from facial_backend.console.admin_only import admin_only
from facial_backend.console.blueprint import bp
from facial_backend.console.error_pages import form_error
from facial_backend.console.forms import AuditFilterForm
from facial_backend.console.page_answers import console_answers, html
from facial_backend.services.shared import audit

PAGE_SIZE = 50


@bp.get("/audit")
@console_answers({200: html("The page")})
@admin_only
def audit_page():
    """Console: the access audit, filtered by person, session and action (admins)"""
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        raise form_error(form)
    events = audit.list_events(person=form.person.data or None, session_id=form.session_id.data or None,
                               action=form.action.data or None, before_id=form.before.data, limit=PAGE_SIZE + 1)
    query = {k: v for k, v in request.args.items() if k != "before" and v}
    older = events[PAGE_SIZE - 1].id if len(events) > PAGE_SIZE else None
    return render_template("console/audit.html", form=form, events=events[:PAGE_SIZE], query=query, older=older)
