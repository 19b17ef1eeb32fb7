"""Where a tus upload ends, chosen by its ``Upload-Metadata``, and how it gets there.

``session_id`` + ``video_id`` (with ``filename``/``filetype`` for the extension): a video of a
recording-app session, which becomes the same row, stored file, SHA-256 and ``session.json``
entry as a video uploaded in chunks; open like the chunk route. ``recording_id``: an initiated
iPhone recording of the token's user, completed as its presigned upload would be (transcription
included). Anything else is refused before a byte is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath

from flask import current_app

from facial_backend import blocking_work
from facial_backend.constants.recording_app import VIDEO_CONTENT_TYPES
from facial_backend.errors import ApiError, BadRequest, Conflict
from facial_backend.extensions import db, get_storage
from facial_backend.models.tus import TusUpload
from facial_backend.models.uploads import Video
from facial_backend.models.users import User
from facial_backend.services.recording_app import sessions
from facial_backend.services.recording_app.videos import find_video, lock_video
from facial_backend.services.recordings import recordings
from facial_backend.services.tus.staging import TusStaging
from facial_backend.timeutil import utcnow

VIDEO_KEYS = ("session_id", "video_id")
RECORDING_KEYS = ("recording_id",)
_EXTENSIONS_BY_TYPE = {content_type: extension for extension, content_type in VIDEO_CONTENT_TYPES.items()}


@dataclass(frozen=True)
class Destination:
    target: str
    max_size: int
    session_id: str | None = None
    video_id: str | None = None
    file_extension: str | None = None
    recording_id: str | None = None


def not_authenticated() -> ApiError:
    return ApiError(401, "unauthorized", "Not authenticated", headers={"WWW-Authenticate": "Bearer"})


def choose(metadata: dict[str, str], user: User | None) -> Destination:
    """``metadata``: the decoded and validated ``Upload-Metadata`` (ids are safe ids)."""
    wants_video = any(key in metadata for key in VIDEO_KEYS)
    wants_recording = "recording_id" in metadata
    if wants_video and wants_recording:
        raise BadRequest("Upload-Metadata names both a video (session_id, video_id) and a "
                         "recording (recording_id); send one.", "ambiguous_destination",
                         fields={"Upload-Metadata": ["Either session_id + video_id or recording_id."]})
    if wants_recording:
        return _recording(metadata["recording_id"], user)
    if wants_video:
        return _video(metadata, user)
    raise BadRequest("Upload-Metadata must say where the file goes: session_id and video_id "
                     "(a recording-app video) or recording_id (an iPhone recording).",
                     "unknown_destination",
                     fields={"Upload-Metadata": ["Missing session_id + video_id or recording_id."]})


def _video(metadata: dict[str, str], user: User | None) -> Destination:
    if current_app.config["AUTH_REQUIRED"] and user is None:
        raise not_authenticated()
    bad = {f"Upload-Metadata.{key}": ["Missing."] for key in VIDEO_KEYS if not metadata.get(key)}
    if bad:
        raise BadRequest(f"Invalid Upload-Metadata: {', '.join(sorted(bad))}.", "invalid_upload_metadata",
                         fields=bad)
    session = sessions.get_session(metadata["session_id"])
    # The row exists from now on (listed as receiving), so completing it only updates it.
    with lock_video(session.id, metadata["video_id"], lambda: session) as video:
        _check_free(video)
    return Destination("video", current_app.config["TUS_MAX_SIZE"], session_id=session.id,
                       video_id=metadata["video_id"], file_extension=_extension(metadata))


def _extension(metadata: dict[str, str]) -> str:
    """From ``filetype`` (a video content type) or else ``filename``'s suffix; webm by default.
    Only the known video extensions pass: nothing of a client's path reaches a key."""
    filetype = metadata.get("filetype", "").split(";", 1)[0].strip().lower()
    if filetype in _EXTENSIONS_BY_TYPE:
        return _EXTENSIONS_BY_TYPE[filetype]
    filename = metadata.get("filename", "")
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower().lstrip(".")
    if suffix in VIDEO_CONTENT_TYPES:
        return suffix
    if filetype or suffix:
        raise BadRequest(f"Upload-Metadata: the file type must be one of {', '.join(VIDEO_CONTENT_TYPES)}.",
                         "unsupported_file_type",
                         fields={"Upload-Metadata.filetype": ["Not a supported video type."]})
    return "webm"


def _check_free(video: Video) -> None:
    """A video may be uploaded over tus unless it is complete, expired or coming in chunks."""
    if video.status == "complete":
        raise Conflict(f"Video {video.video_id} of this session is already complete.", "video_complete")
    if video.status == "expired":
        raise ApiError(410, "upload_expired",
                       f"The upload of video {video.video_id} expired; start it under a new video_id.")
    if video.received_chunks:
        raise Conflict(f"Video {video.video_id} is being uploaded in chunks; finish it there.",
                       "video_uploading_in_chunks")


def _recording(recording_id: str, user: User | None) -> Destination:
    if user is None:
        raise not_authenticated()
    recording = recordings.get_recording(user, recording_id)
    if recording.status != "uploading":
        raise BadRequest(f"Recording is not in uploading state (current: {recording.status})",
                         "not_uploading")
    return Destination("recording", current_app.config["RECORDING_MAX_BYTES"],
                       recording_id=recording.id)


def finish_video(upload: TusUpload, staging: TusStaging, sha256: str | None) -> None:
    """Store the file as the upload's video and record it, in one commit with the upload's
    completion. A move whose commit was lost is found in storage and finished."""
    work = blocking_work.current()
    with lock_video(upload.session_id, upload.video_id,
                    partial(sessions.get_session, upload.session_id)) as video:
        _check_free(video)
        video.file_extension = upload.file_extension
        key = sessions.video_key(video)
        if staging.part_size() is not None:
            sha256 = sha256 or work.run(staging.sha256).hexdigest()
            work.run(partial(get_storage().put_file, key, staging.part_path,
                             VIDEO_CONTENT_TYPES.get(video.file_extension), move=True,
                             synced=current_app.config["UPLOAD_FSYNC"]))
        else:
            sha256 = _stored_sha256(key, upload.length)
        now = utcnow()
        video.status = "complete"
        video.total_chunks = video.received_chunks = video.appended_chunks = 1
        video.appended_bytes = video.size = upload.length
        video.sha256 = sha256
        video.storage_key = key
        video.completed_at = now
        _mark_complete(upload, sha256, now)
    sessions.mirror_after_answer(upload.session_id)


def release(upload: TusUpload) -> None:
    """With an unfinished upload that is removed goes the video row it reserved, unless
    something else uses it (chunks, metadata, another upload)."""
    if upload.target != "video" or upload.status != "receiving":
        return
    video = find_video(upload.session_id, upload.video_id, for_update=True)
    if video is None or video.status != "receiving" or video.received_chunks or video.metadata_json:
        return
    other = db.session.scalar(db.select(TusUpload.id).filter(
        TusUpload.session_id == upload.session_id, TusUpload.video_id == upload.video_id,
        TusUpload.status == "receiving", TusUpload.id != upload.id).limit(1))
    if other is None:
        db.session.delete(video)


def finish_recording(upload: TusUpload, staging: TusStaging) -> None:
    """Store the file under the recording's key and complete it as the presigned flow does, both
    under the recording's lock."""
    owner = db.session.get(User, upload.owner_user_id)
    recordings.get_recording(owner, upload.recording_id)  # a deleted one is not found

    def store(recording) -> None:
        if staging.part_size() is not None:  # else moved before a commit that was lost
            blocking_work.run(partial(get_storage().put_file, recording.storage_key, staging.part_path,
                                      recording.mime_type, move=True,
                                      synced=current_app.config["UPLOAD_FSYNC"]))

    recordings.complete_upload(owner, upload.recording_id, store=store)
    _mark_complete(upload, None, utcnow())
    db.session.commit()


def _mark_complete(upload: TusUpload, sha256: str | None, now) -> None:
    upload.status = "complete"
    upload.sha256 = sha256
    upload.completed_at = upload.updated_at = now


def _stored_sha256(key: str, length: int) -> str:
    info = get_storage().head(key)
    if info is None or info.size != length:
        raise ApiError(410, "upload_lost", "The staged file of this upload is lost; upload it again.")
    digest = hashlib.sha256()
    for piece in get_storage().open(key):
        digest.update(piece)
    return digest.hexdigest()
