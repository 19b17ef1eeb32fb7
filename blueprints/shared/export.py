"""A session's export zip and signed player links to its media, for operators and admins (and
media owners, for their own items); thin: each route calls one service function."""

from __future__ import annotations

from flask import Response, request, stream_with_context
from marshmallow import fields, validate

from facial_backend.auth import current_user, login_required
from facial_backend.rest import Blueprint
from facial_backend.schemas.base import BaseSchema, UtcTime
from facial_backend.schemas.testbed import TestbedNoteSchema
from facial_backend.services.export.media import MEDIA_KINDS
from facial_backend.services.export.session_export import start_export
from facial_backend.services.shared import media_links

bp = Blueprint("session_export", __name__, description="Session exports and signed media links")

ZIP_RESPONSE = {"description": "The zip, streamed: media, notes, telemetry, transcripts, manifest.json",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}


class MediaLinkQuerySchema(BaseSchema):
    expires_in = fields.Integer(load_default=media_links.DEFAULT_SECONDS,
                                validate=validate.Range(media_links.MIN_SECONDS, media_links.MAX_SECONDS),
                                metadata={"description": "Seconds the link works (longer than the media "
                                                         "plays: players send Range requests as they go)"})


class MediaLinkSchema(BaseSchema):
    url = fields.String(metadata={"description": "Put it in <video src> / <audio src>; Range requests work"})
    expires_at = UtcTime()
    expires_in = fields.Integer()
    content_type = fields.String()
    size = fields.Integer()
    kind = fields.String(metadata={"description": f"One of {', '.join(MEDIA_KINDS)}"})
    id = fields.String()
    session_id = fields.String()


class MediaItemSchema(BaseSchema):
    kind = fields.String(metadata={"description": f"One of {', '.join(MEDIA_KINDS)}"})
    id = fields.String()
    content_type = fields.String()
    name = fields.String(metadata={"description": "Its file name in the session's export"})


def session_zip_response(user, session_id: str, *, address: str | None, channel: str = "api") -> Response:
    """The streamed export of a session for the signed-in ``user`` (also what the console answers
    with, with ``channel="console"``): 403 unless an operator or admin, 404 for an unknown session."""
    export = start_export(user, session_id, address=address, channel=channel,
                          note_bodies=TestbedNoteSchema(many=True).dump)
    return Response(stream_with_context(iter(export)), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{export.filename}"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@bp.get("/api/sessions/<session_id>/export.zip")
@login_required(roles=("operator",))
@bp.doc(responses={200: ZIP_RESPONSE})
@bp.errors((401, "No or invalid token"), (403, "Not an operator or admin"), (404, "Unknown session"))
def export_session(session_id):
    """Export a session of any kind as one zip (streamed; memory stays flat)

    Every stored media file (videos, segment audio, the iPhone recordings its transcription
    tasks point at, uploaded task audio), the notes (Markdown and JSON), telemetry (CSV), the
    transcripts (text, JSON with segment times, WebVTT), and `manifest.json` last: every file
    with its size and SHA-256, and the session's metadata. Recorded in the access audit."""
    return session_zip_response(current_user(), session_id, address=request.remote_addr)


@bp.get("/api/sessions/<session_id>/media")
@login_required()
@bp.response(200, MediaItemSchema(many=True))
@bp.errors((401, "No or invalid token"), (403, "A role that never reads media"), (404, "Unknown session"))
def list_media(session_id):
    """The stored media items of a session the caller may get player links to"""
    return media_links.readable_media(current_user(), session_id)


@bp.get("/api/sessions/<session_id>/media/<kind>/<item_id>/link")
@login_required()
@bp.arguments(MediaLinkQuerySchema, location="query")
@bp.response(200, MediaLinkSchema)
@bp.errors((401, "No or invalid token"), (403, "A role that never reads media"),
           (404, "Unknown session, or no such media item the caller may read"))
def media_link(query, session_id, kind, item_id):
    """A signed, short-lived URL of one media item of a session, for an HTML5 player

    `kind` is video, segment, recording or stt_audio. Operators and admins get any item; an
    evaluator their own segments, a recorder their own recordings. On S3 the URL is a presigned
    GET; on local storage the app signs and serves it (Range requests, 403 `bad_signature` or
    `link_expired` when tampered with or expired). Recorded in the access audit."""
    return media_links.media_link(current_user(), session_id, kind, item_id, expires_in=query["expires_in"],
                                  address=request.remote_addr)
