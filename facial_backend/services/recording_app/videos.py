"""Finding and locking the row of one video of a recording session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from facial_backend.extensions import db
from facial_backend.models.sessions import StudySession
from facial_backend.models.uploads import Video
from facial_backend.services.shared.locks import keyed_lock

# Built once: every video chunk looks its video up.
_VIDEO = sa.select(Video).where(Video.session_id == sa.bindparam("session_id"),
                                Video.video_id == sa.bindparam("video_id"))
_VIDEO_FOR_UPDATE = _VIDEO.with_for_update()


def find_video(session_id: str, video_id: str, *, for_update: bool = False) -> Video | None:
    return db.session.scalar(_VIDEO_FOR_UPDATE if for_update else _VIDEO,
                             {"session_id": session_id, "video_id": video_id})


@contextmanager
def lock_video(session_id: str, video_id: str,
               load_session: Callable[[], StudySession]) -> Iterator[Video]:
    """The video's row, locked in this process and (PostgreSQL) in the database; committed
    when the block ends, rolled back if it raises. A new video is created in the session that
    ``load_session`` returns (it raises when there is none); an existing one needs no lookup
    of its session."""
    with keyed_lock(("video", session_id, video_id)):
        try:
            video = find_video(session_id, video_id, for_update=True)
            if video is None:
                session = load_session()
                video = Video(session_id=session_id, video_id=video_id,
                              video_type=session.video_type or "recording")
                db.session.add(video)
                try:
                    db.session.flush()
                except IntegrityError:  # another process created it first, or removed the session
                    db.session.rollback()
                    video = find_video(session_id, video_id, for_update=True)
                    if video is None:
                        load_session()  # the session's "not found"
                        raise
            yield video
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
