"""The stored media a console user may play: the items of a session they see (found as the
export finds them), all of them, or for a recorder in someone else's session only their own
recordings. Anything else does not exist for them (404)."""

from __future__ import annotations

from facial_backend.errors import NotFound
from facial_backend.models.users import User
from facial_backend.services.console.access import sees_whole_session, visible_session
from facial_backend.services.export.media import MEDIA_KINDS, MediaItem, find_media


def console_media(user: User, session_id: str, kind: str, item_id: str) -> MediaItem:
    session = visible_session(user, session_id)
    item = find_media(session.id, kind, item_id) if kind in MEDIA_KINDS else None
    if item is None or not (sees_whole_session(user, session) or item.owner_user_id == user.id):
        raise NotFound(f"Session {session_id} has no {kind} {item_id} to play.", "media_not_found")
    return item
