"""Playing stored media from the console: each view is recorded in the access audit, then the
browser is sent to a short-lived signed URL (which serves byte ranges) of the object."""

from __future__ import annotations

from flask import Response, g, redirect, request

from facial_backend.api import doc
from facial_backend.console.blueprint import bp
from facial_backend.extensions import get_storage
from facial_backend.services.console.captions import recording_captions
from facial_backend.services.console.media import media_object
from facial_backend.services.shared import audit

TAGS = ["console (HTML pages)"]
MEDIA_URL_SECONDS = 600


@bp.get("/media/<kind>/<media_id>")
@doc("Console: play a video, segment audio or recording (audited; redirects to a signed URL)", tags=TAGS)
def media(kind: str, media_id: str):
    found = media_object(g.console_user, kind, media_id)
    audit.record("media_view", actor=g.console_user, address=request.remote_addr, channel="console",
                 session_id=found.session_id, target_kind=found.kind, target_id=found.id)
    url = get_storage().presigned_download(found.key, expires_in=MEDIA_URL_SECONDS,
                                           content_type=found.content_type)
    return redirect(url, code=303)


@bp.get("/media/recording/<media_id>/captions.vtt")
@doc("Console: WebVTT captions of a recording from its timed transcript", tags=TAGS)
def captions(media_id: str):
    found = media_object(g.console_user, "recording", media_id)
    return Response(recording_captions(found.id), mimetype="text/vtt")
