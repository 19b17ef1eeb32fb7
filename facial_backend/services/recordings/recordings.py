"""The lifecycle of iPhone recordings: a presigned upload straight to storage, completion
checked against storage, listing, download links and soft delete.

A user sees and changes only their own recordings; any other id is "not found" (never
"forbidden", so ids cannot be probed). Admins see every recording.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app

from facial_backend.errors import BadRequest, Conflict, NotFound
from facial_backend.extensions import db, get_storage
from facial_backend.models.recordings import Recording
from facial_backend.models.users import User
from facial_backend.services.recordings import transcription as recording_transcription
from facial_backend.services.recordings.keys import recording_key
from facial_backend.services.recordings.status import set_status
from facial_backend.services.recordings.transcription import queue_transcription
from facial_backend.services.shared import audit
from facial_backend.services.shared.locks import keyed_lock
from facial_backend.stt import jobs as stt_jobs
from facial_backend.timeutil import utcnow

log = logging.getLogger(__name__)

NOT_FOUND = "Recording not found or access denied"
# Statuses in which the file is known to be in storage.
STORED_STATUSES = ("uploaded", "processing", "transcribed", "failed")


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_in: int
    filename: str


@dataclass(frozen=True)
class InitiatedUpload:
    recording: Recording
    url: str
    fields: dict[str, str]
    object_key: str
    expires_in: int
    max_bytes: int


def initiate_upload(user: User, *, filename: str, content_type: str, recording_type: str,
                    appointment_id: str | None, visit_id: str | None,
                    estimated_duration_seconds: float | None) -> InitiatedUpload:
    """Create the recording (status uploading) and a presigned POST for its file.

    ``content_type`` is already normalised and allowed; ``filename`` is kept as the
    original name only: the key is built by the server.
    """
    if not appointment_id and not visit_id:
        raise BadRequest("Either appointment_id or visit_id must be provided", "missing_reference",
                         fields={"appointment_id": ["Either appointment_id or visit_id is required."],
                                 "visit_id": ["Either appointment_id or visit_id is required."]})
    config = current_app.config
    key = recording_key(user.id, appointment_id, visit_id, content_type, utcnow())
    storage = get_storage()
    upload = storage.presigned_upload(key, content_type, max_bytes=config["RECORDING_MAX_BYTES"],
                                      expires_in=int(config["PRESIGNED_EXPIRES"]))
    recording = Recording(
        appointment_id=appointment_id, visit_id=visit_id, recorded_by_user_id=user.id,
        recording_type=recording_type, filename=key.rpartition("/")[2],
        original_filename=filename, mime_type=content_type,
        duration_seconds=estimated_duration_seconds,
        storage_bucket=storage.bucket, storage_key=key)
    set_status(recording, "uploading", user)
    db.session.add(recording)
    db.session.commit()
    return InitiatedUpload(recording, upload.url, upload.fields, upload.fields.get("key", key),
                           upload.expires_in, upload.max_bytes)


def _visible(query, user: User, *, include_deleted: bool = False):
    if user.role != "admin":
        query = query.filter(Recording.recorded_by_user_id == user.id)
    if not (include_deleted and user.role == "admin"):
        query = query.filter(Recording.deleted_at.is_(None))
    return query


def get_recording(user: User, recording_id: str, *, include_deleted: bool = False,
                  for_update: bool = False) -> Recording:
    """The recording if ``user`` may see it. Deleted ones only for admins, or with
    ``include_deleted`` for their owner (to tell "already deleted" apart)."""
    query = db.select(Recording).filter_by(id=recording_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    recording = db.session.scalar(query)
    if recording is None or (user.role != "admin" and recording.recorded_by_user_id != user.id):
        raise NotFound(NOT_FOUND, "recording_not_found")
    if recording.is_deleted and not (include_deleted or user.role == "admin"):
        raise NotFound(NOT_FOUND, "recording_not_found")
    return recording


@contextmanager
def _locked(user: User, recording_id: str, *, include_deleted: bool = False) -> Iterator[Recording]:
    """The recording locked in this process and (PostgreSQL) in the database; committed when
    the block ends, rolled back if it raises."""
    with keyed_lock(("recording", recording_id)):
        try:
            recording = get_recording(user, recording_id, include_deleted=include_deleted, for_update=True)
            yield recording
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


def complete_upload(user: User, recording_id: str, *, file_size_bytes: int | None = None,
                    duration_seconds: float | None = None,
                    recording_metadata: dict[str, Any] | None = None,
                    store: Callable[[Recording], None] | None = None) -> Recording:
    """Mark the upload done once the object is in storage; idempotent once it is.

    The size is storage's; a client-sent size that disagrees is kept in the metadata as
    ``client_file_size_bytes``. ``store`` puts the object in place first, under the same lock,
    for a file that came another way than the presigned upload: a recording completed or
    deleted meanwhile keeps what it has.
    """
    with _locked(user, recording_id, include_deleted=True) as recording:
        if recording.status in STORED_STATUSES:
            return recording
        if recording.status != "uploading":
            raise BadRequest(f"Recording is not in uploading state (current: {recording.status})",
                             "not_uploading")
        if store is not None:
            store(recording)
        info = get_storage().head(recording.storage_key)
        if info is None:
            raise BadRequest("File not found in S3. Upload may have failed.", "upload_missing")
        stored = dict(recording_metadata or {})
        if file_size_bytes and file_size_bytes != info.size:
            stored["client_file_size_bytes"] = file_size_bytes
        recording.file_size_bytes = info.size
        recording.storage_etag = info.etag
        if duration_seconds is not None:
            recording.duration_seconds = duration_seconds
        recording.recording_metadata = stored or None
        recording.uploaded_at = utcnow()
        set_status(recording, "uploaded", user)
        if stt_jobs.transcription_enabled():
            queue_transcription(recording)
    return recording


def transcribe_again(user: User, recording_id: str):
    """Queue the recording's transcription on request (owner or admin); returns the job."""
    with _locked(user, recording_id) as recording:
        return recording_transcription.transcribe_again(recording)


def list_recordings(user: User, *, appointment_id: str | None = None, visit_id: str | None = None,
                    status: str | None = None, limit: int = 50, offset: int = 0,
                    include_deleted: bool = False) -> list[Recording]:
    """Newest first; soft-deleted ones only for admins asking for them."""
    query = _visible(db.select(Recording), user, include_deleted=include_deleted)
    if appointment_id:
        query = query.filter(Recording.appointment_id == appointment_id)
    if visit_id:
        query = query.filter(Recording.visit_id == visit_id)
    if status:
        query = query.filter(Recording.status == status)
    query = query.order_by(Recording.created_at.desc(), Recording.id.desc())
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def download_url(user: User, recording_id: str, expires_in: int) -> DownloadLink:
    """A presigned GET of the recording's file (a signed URL served by the app on the local
    backend), as an attachment named like the original file."""
    recording = get_recording(user, recording_id)
    if recording.status not in STORED_STATUSES:
        raise BadRequest("Recording is not available for download", "not_downloadable")
    _check_unchanged(recording)
    filename = recording.original_filename or recording.filename
    url = get_storage().presigned_download(recording.storage_key, expires_in=expires_in,
                                           filename=filename, content_type=recording.mime_type)
    return DownloadLink(url, expires_in, filename)


def _check_unchanged(recording: Recording) -> None:
    """The stored object is still the one completed (same ETag); a replacement (a presigned
    policy used again after completion) is reported instead of served."""
    if recording.storage_etag is None:
        return
    info = get_storage().head(recording.storage_key)
    if info is None or info.etag != recording.storage_etag:
        log.warning("recording %s: stored object %s changed after completion (ETag %s, now %s)",
                    recording.id, recording.storage_key, recording.storage_etag, info and info.etag)
        raise Conflict("The stored file was replaced after the upload was completed; it is not served.",
                       "stored_object_changed")


def delete_recording(user: User, recording_id: str) -> Recording:
    """Soft delete: the row and the file stay until ``flask recordings purge``."""
    with _locked(user, recording_id, include_deleted=True) as recording:
        if recording.is_deleted:
            raise BadRequest("Recording is already deleted", "already_deleted")
        recording.deleted_at = utcnow()
        recording.deleted_by_user_id = user.id
        set_status(recording, "deleted", user)
    return recording


def purge_deleted(older_than_days: float, *, channel: str, dry_run: bool = False) -> list[Recording]:
    """Remove from storage, for good, the files of recordings soft-deleted more than
    ``older_than_days`` ago (with ``dry_run``: only list them); their rows stay (with
    ``purged_at``), and each purge is committed with its access-audit record (asked for
    through ``channel``)."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    due = db.session.scalars(
        db.select(Recording.id).filter(Recording.purged_at.is_(None),
                                       Recording.deleted_at <= cutoff)
        .order_by(Recording.deleted_at)).all()
    if dry_run:
        return [db.session.get(Recording, recording_id) for recording_id in due]
    storage = get_storage()
    purged = []
    for recording_id in due:
        with keyed_lock(("recording", recording_id)):
            recording = db.session.get(Recording, recording_id, with_for_update=True)
            if recording.purged_at is None:
                storage.delete(recording.storage_key)
                recording.purged_at = utcnow()
                purged.append(recording)
                audit.record("delete", actor=None, address=None, channel=channel,
                             target_kind="recording", target_id=recording.id,
                             details={"purged_file": recording.storage_key})
            else:
                db.session.commit()
    return purged
