"""Signed, short-lived URLs of a session's media, for players (``<video src>``): a presigned
GET on S3, a URL the app signs and serves itself on local storage; both answer Range requests.

Operators and admins get a link to any item; an evaluator to their own segments, a recorder to
their own recordings; an item someone may not read does not exist for them (404). Every link
handed out is an access-audit ``media_view``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from facial_backend.errors import ApiError, NotFound
from facial_backend.extensions import db, get_storage
from facial_backend.models.sessions import StudySession
from facial_backend.models.users import User
from facial_backend.services.export.media import MEDIA_KINDS, MediaItem, find_media, session_media
from facial_backend.services.shared import audit
from facial_backend.timeutil import utcnow

DEFAULT_SECONDS = 3600
MIN_SECONDS = 60
MAX_SECONDS = 12 * 3600
LINK_ROLES = ("admin", "operator", "evaluator", "recorder")


@dataclass(frozen=True)
class MediaLink:
    url: str
    expires_at: datetime
    expires_in: int
    content_type: str
    size: int
    kind: str
    id: str
    session_id: str


def signed_url(key: str, content_type: str, expires_in: int = DEFAULT_SECONDS) -> tuple[str, datetime]:
    """(URL, expiry) of an inline, expiring GET of a stored object; the caller checked access."""
    expires_at = utcnow() + timedelta(seconds=expires_in)
    return get_storage().presigned_download(key, expires_in=expires_in, content_type=content_type), expires_at


def readable_media(user: User, session_id: str) -> list[MediaItem]:
    """The media items of a session ``user`` may get links to (what to ask ``media_link`` for)."""
    _check_role(user)
    _check_session(session_id)
    return [item for item in session_media(session_id) if item.readable_by(user)]


def media_link(user: User, session_id: str, kind: str, item_id: str, *, expires_in: int = DEFAULT_SECONDS,
               address: str | None, channel: str = "api") -> MediaLink:
    """A player link to one media item of a session, recorded in the access audit."""
    _check_role(user)
    if kind not in MEDIA_KINDS:
        raise NotFound(f"There is no media kind {kind!r}; one of {', '.join(MEDIA_KINDS)}.", "media_not_found")
    _check_session(session_id)
    item = find_media(session_id, kind, item_id)
    if item is None or not item.readable_by(user):
        raise NotFound(f"Session {session_id} has no {kind} {item_id}.", "media_not_found")
    info = get_storage().head(item.key)
    if info is None:
        raise NotFound(f"The stored file of {kind} {item_id} is missing.", "file_missing")
    url, expires_at = signed_url(item.key, item.content_type, expires_in)
    audit.record("media_view", actor=user, address=address, channel=channel, session_id=session_id,
                 target_kind=kind, target_id=item_id, details={"expires_in": expires_in})
    return MediaLink(url=url, expires_at=expires_at, expires_in=expires_in, content_type=item.content_type,
                     size=info.size, kind=kind, id=item_id, session_id=session_id)


def _check_role(user: User) -> None:
    if user.role not in LINK_ROLES:
        raise ApiError(403, "forbidden", f"This needs one of the roles: {', '.join(LINK_ROLES)}.")


def _check_session(session_id: str) -> None:
    if db.session.get(StudySession, session_id) is None:
        raise NotFound(f"Session {session_id} not found.", "session_not_found")
