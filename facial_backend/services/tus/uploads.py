"""tus uploads: creation (with upload, deferred length), HEAD, PATCH, termination.

An offset is acknowledged only after its bytes are on the device and the row says so: HEAD
never reports more than is durably stored. A PATCH must start at the acknowledged offset
(409), holds the upload's lock for its whole body (a second one at once gets 423), keeps what
arrived when its body is cut off, and keeps nothing when its ``Upload-Checksum`` fails (460).
The PATCH that reaches the length moves the file into storage and completes its destination;
an upload whose completion was interrupted is completed by the next request that sees it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext, suppress
from datetime import timedelta
from functools import partial

from flask import current_app

from facial_backend import blocking_work
from facial_backend.errors import ApiError, BadRequest, Conflict, NotFound
from facial_backend.extensions import db
from facial_backend.models.tus import TusUpload
from facial_backend.models.users import User
from facial_backend.services.recording_app import staging_host
from facial_backend.services.shared import audit
from facial_backend.services.tus import destinations, protocol, running_hashes
from facial_backend.services.tus.protocol import Checksum
from facial_backend.services.tus.staging import StagedFileLost, TusStaging, UploadBusy
from facial_backend.timeutil import utcnow

WRITE_PIECE = 1024 * 1024
"""Bytes of a body written (and, with UPLOAD_FSYNC, synced) at a time: a request finishing an
upload then waits behind one piece of each other upload's write, not a whole body of theirs."""


def create(*, length: int | None, metadata: dict[str, str], metadata_header: str | None,
           user: User | None) -> TusUpload:
    """A new upload (``length`` None: deferred). Refused, with nothing stored, when its
    metadata names no valid destination or its length passes the destination's limit."""
    destination = destinations.choose(metadata, user)
    if length is not None:
        check_length(length, destination.max_size, 0)
    now = utcnow()
    upload = TusUpload(
        id=uuid.uuid4().hex, target=destination.target, status="receiving", length=length,
        offset=0, metadata_header=metadata_header, metadata_json=metadata,
        session_id=destination.session_id, video_id=destination.video_id,
        file_extension=destination.file_extension, recording_id=destination.recording_id,
        owner_user_id=user.id if user is not None else None,
        staging_host=staging_host.host_id(current_app.config["DATA_DIR"]),
        created_at=now, updated_at=now, expires_at=_expiry(now))
    _staging(upload.id).create(durable=current_app.config["UPLOAD_FSYNC"])
    db.session.add(upload)
    db.session.commit()
    return upload


def check_length(length: int, max_size: int, offset: int) -> None:
    if length > max_size:
        raise ApiError(413, "upload_too_large",
                       f"Upload-Length {length} is over this destination's limit of {max_size} bytes.",
                       fields={"Upload-Length": [f"At most {max_size}."]})
    if length < max(offset, 1):
        raise BadRequest(f"Upload-Length must be at least {max(offset, 1)}.", "invalid_upload_length",
                         fields={"Upload-Length": [f"At least {max(offset, 1)}."]})


def status(upload_id: str, user: User | None) -> TusUpload:
    """The upload as HEAD reports it; an interrupted completion is finished first."""
    upload = _visible(upload_id, user)
    if upload.status == "receiving" and upload.offset == upload.length:
        # the request holding the lock finishes it, or the host holding the bytes does
        with suppress(UploadBusy, StagedElsewhere):
            _finish_locked(upload)
    return upload


def append(upload_id: str, user: User | None, offset: int, body: Iterable[bytes], *,
           sent_length: int | None, checksum: Checksum | None = None,
           upload_length: int | None = None) -> TusUpload:
    """Append a PATCH body at ``offset``. ``sent_length``: the Content-Length, to tell a body
    cut off (its bytes are kept, unless a checksum was sent) from a whole one."""
    upload = _visible(upload_id, user)
    if upload.status == "complete" or offset != upload.offset:
        if upload.status != "complete" or offset != upload.length:
            raise _offset_conflict(upload)
        return upload
    if upload.offset == upload.length:
        try:
            _finish_locked(upload)
        except StagedElsewhere:
            raise _elsewhere(upload) from None
        return upload
    limit = _limit(upload)
    staging = _staging(upload.id)
    try:
        with staging.locked():
            db.session.refresh(upload)
            if upload.offset != offset or upload.status != "receiving":
                raise _offset_conflict(upload)
            if upload_length is not None:
                _set_length(upload, upload_length, limit)
            if upload.length is not None and sent_length is not None and offset + sent_length > upload.length:
                raise _too_long(upload)
            staging.prepare(offset)
            room = (upload.length if upload.length is not None else limit) - offset
            db.session.commit()  # the length, if it came now; no transaction stays open for the body
            with _turn(upload, offset, sent_length):
                _receive(staging, upload_id, offset, room, body, sent_length, checksum)
                db.session.refresh(upload)
                if upload.offset == upload.length:
                    _finish(upload, staging)
    except UploadBusy:
        raise _busy() from None
    except StagedFileLost:
        raise _elsewhere(upload) if _staged_elsewhere(upload) else _lost() from None
    return upload


def _turn(upload: TusUpload, offset: int, sent_length: int | None) -> AbstractContextManager[None]:
    """A PATCH that completes the upload with a short body (no larger than a chunk of the chunk
    route) goes before the bodies of other requests: its client waits for the whole completion.
    A long one would hold the others back for as long as its body takes."""
    if (upload.length is not None and sent_length is not None and offset + sent_length == upload.length
            and sent_length <= current_app.config["MAX_CHUNK_BYTES"]):
        return blocking_work.finishing_turn()
    return nullcontext()


def _receive(staging: TusStaging, upload_id: str, start: int, room: int, body: Iterable[bytes],
             sent_length: int | None, checksum: Checksum | None) -> None:
    """Write the body at ``start`` a WRITE_PIECE at a time, hashing it on the way, then
    acknowledge it (``room``: how many bytes it may hold)."""
    work, config = blocking_work.current(), current_app.config
    running = running_hashes.take(upload_id, start)
    checker = checksum.new_hash() if checksum is not None else None
    hashes = tuple(digest for digest in (running, checker) if digest is not None)
    write = partial(staging.write_at, hashes=hashes, durable=config["UPLOAD_FSYNC"])
    pieces: list[bytes] = []
    buffered = written = 0
    for piece in body:
        if written + buffered + len(piece) > room:
            raise _too_long_by(room)
        pieces.append(piece)
        buffered += len(piece)
        if buffered >= WRITE_PIECE:
            work.run(write, b"".join(pieces), start + written)
            written, pieces, buffered = written + buffered, [], 0
    if buffered:
        work.run(write, b"".join(pieces), start + written)
        written += buffered
    if checker is not None and (checker.digest() != checksum.digest
                                or (sent_length is not None and written != sent_length)):
        raise protocol.checksum_mismatch(checksum.algorithm)
    if written:
        _acknowledge(upload_id, start, start + written)
        if running is not None:
            running_hashes.keep(upload_id, start + written, running)


def _acknowledge(upload_id: str, old: int, new: int) -> None:
    """Record the new offset, if the row still has the old one (the lock makes sure of it on
    this machine; the condition, everywhere)."""
    now = utcnow()
    changed = db.session.execute(
        db.update(TusUpload).where(TusUpload.id == upload_id, TusUpload.offset == old,
                                   TusUpload.status == "receiving")
        .values(offset=new, updated_at=now, expires_at=_expiry(now))
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        raise Conflict("Another request changed this upload meanwhile; ask its offset again.",
                       "upload_offset_mismatch")
    db.session.commit()


class StagedElsewhere(Exception):
    """The upload's bytes are staged in another host's DATA_DIR."""


def _finish_locked(upload: TusUpload) -> None:
    """Finish an upload whose bytes are all stored; one whose staged file is gone here was
    moved into storage by a request whose commit was lost, unless another host stages it."""
    staging = _staging(upload.id)
    try:
        with staging.locked():
            db.session.refresh(upload)
            if upload.status == "receiving":
                _finish(upload, staging)
    except StagedFileLost:
        if _staged_elsewhere(upload):
            raise StagedElsewhere(upload.staging_host) from None
        _finish(upload, staging)


def _finish(upload: TusUpload, staging: TusStaging) -> None:
    """Complete the destination with the whole file (under the upload's lock)."""
    running = running_hashes.take(upload.id, upload.offset)
    if upload.target == "video":
        destinations.finish_video(upload, staging, running.hexdigest() if running is not None else None)
    else:
        destinations.finish_recording(upload, staging)
    staging.remove()


def terminate(upload_id: str, user: User | None, address: str | None) -> None:
    """Remove the upload and its staged bytes (a completed destination stays as it is); the
    removal is committed with its access-audit record (by ``user`` from ``address``)."""
    upload = _visible(upload_id, user)
    staging = _staging(upload.id)
    try:
        with staging.locked():
            _remove(upload, user, address)
    except UploadBusy:
        raise _busy() from None
    except StagedFileLost:
        _remove(upload, user, address)
    running_hashes.forget(upload_id)
    staging.remove()


def _remove(upload: TusUpload, user: User | None, address: str | None) -> None:
    destinations.release(upload)
    db.session.delete(upload)
    audit.record("delete", actor=user, address=address, session_id=upload.session_id,
                 target_kind="upload", target_id=upload.id,
                 details={"destination": upload.target, "video_id": upload.video_id,
                          "recording_id": upload.recording_id})


def _visible(upload_id: str, user: User | None) -> TusUpload:
    """The upload, if this caller may use it: a recording's only with its owner's (or an
    admin's) token, any other id is not found; a video's as the chunk route is open."""
    upload = db.session.get(TusUpload, upload_id) if upload_id.isalnum() else None
    if upload is None:
        raise NotFound("No such upload.", "upload_not_found")
    if upload.target == "recording":
        if user is None:
            raise destinations.not_authenticated()
        if user.role != "admin" and user.id != upload.owner_user_id:
            raise NotFound("No such upload.", "upload_not_found")
    elif current_app.config["AUTH_REQUIRED"] and user is None:
        raise destinations.not_authenticated()
    if upload.status == "receiving" and upload.expires_at <= utcnow():
        raise ApiError(410, "upload_expired", "This upload expired; start a new one.")
    return upload


def _set_length(upload: TusUpload, length: int, limit: int) -> None:
    if upload.length is not None:
        if length != upload.length:
            raise BadRequest(f"Upload-Length is {upload.length} already; it cannot change.",
                             "upload_length_fixed", fields={"Upload-Length": ["Already set."]})
        return
    check_length(length, limit, upload.offset)
    upload.length = length


def _limit(upload: TusUpload) -> int:
    config = current_app.config
    return config["TUS_MAX_SIZE"] if upload.target == "video" else config["RECORDING_MAX_BYTES"]


def _expiry(now):
    return now + timedelta(seconds=current_app.config["UPLOAD_TTL"])


def _staging(upload_id: str) -> TusStaging:
    return TusStaging(current_app.config["DATA_DIR"], upload_id, blocking_work.current())


def _offset_conflict(upload: TusUpload) -> ApiError:
    return Conflict(f"Upload-Offset must be {upload.offset}, the bytes this upload holds.",
                    "upload_offset_mismatch", fields={"Upload-Offset": [f"Must be {upload.offset}."]},
                    headers={"Upload-Offset": str(upload.offset)})


def _too_long(upload: TusUpload) -> ApiError:
    return _too_long_by(upload.length - upload.offset)


def _too_long_by(room: int) -> ApiError:
    return ApiError(413, "upload_too_large", f"The body goes past the upload's length: at most {room} "
                                             "more bytes fit.",
                    fields={"Content-Length": [f"At most {room} bytes from this offset."]})


def _busy() -> ApiError:
    return ApiError(423, "upload_locked", "Another request is writing to this upload; try again.")


def _staged_elsewhere(upload: TusUpload) -> bool:
    return staging_host.is_elsewhere(upload.staging_host, current_app.config["DATA_DIR"])


def _elsewhere(upload: TusUpload) -> ApiError:
    return Conflict(f"This upload is staged on another host (staging host {upload.staging_host}); "
                    "send its requests there.", "upload_elsewhere", staging_host=upload.staging_host,
                    headers={"Upload-Offset": str(upload.offset)})


def _lost() -> ApiError:
    return ApiError(410, "upload_lost", "The staged bytes of this upload are lost; start a new one.")
