"""Playing and exporting from the console: each media view and each export is recorded in the
access audit; a view then sends the browser to a short-lived signed URL of the object (which
serves byte ranges), an export streams the session's zip."""

from __future__ import annotations

from flask import Response, g, redirect, request

from blueprints.shared.export import session_zip_response
from facial_backend.console.blueprint import bp
from facial_backend.console.page_answers import console_answers, html, typed
from facial_backend.services.console.access import visible_session
from facial_backend.services.console.captions import recording_captions
from facial_backend.services.console.media import console_media
from facial_backend.services.shared import audit
from facial_backend.services.shared.media_links import signed_url

MEDIA_URL_SECONDS = 3600


@bp.get("/sessions/<session_id>/media/<kind>/<item_id>")
@console_answers({303: html("Redirects to a short-lived signed URL of the file")})
def media(session_id: str, kind: str, item_id: str):
    """Console: play a session's video, segment audio, recording or task audio (audited; redirects
    to a signed URL)"""
    item = console_media(g.console_user, session_id, kind, item_id)
    url, _expires = signed_url(item.key, item.content_type, MEDIA_URL_SECONDS)
    audit.record("media_view", actor=g.console_user, address=request.remote_addr, channel="console",
                 session_id=session_id, target_kind=item.kind, target_id=item.id,
                 details={"expires_in": MEDIA_URL_SECONDS})
    return redirect(url, code=303)


@bp.get("/sessions/<session_id>/media/recording/<item_id>/captions.vtt")
@console_answers({200: typed("text/vtt", "The captions")})
def captions(session_id: str, item_id: str):
    """Console: WebVTT captions of a recording from its timed transcript"""
    item = console_media(g.console_user, session_id, "recording", item_id)
    return Response(recording_captions(session_id, item), mimetype="text/vtt")


@bp.get("/sessions/<session_id>/export.zip")
@console_answers({200: typed("application/zip", "The export", {"type": "string", "format": "binary"}),
                  403: html("Error page: only operators and admins export")})
def export(session_id: str):
    """Console: download the session's export zip (operators and admins; audited)"""
    session = visible_session(g.console_user, session_id)
    return session_zip_response(g.console_user, session.id, address=request.remote_addr, channel="console")
