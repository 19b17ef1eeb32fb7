"""Chunked video upload of the browser recording app: idempotent, resumable, crash-safe.

A chunk is acknowledged only after its bytes are on disk and its row is committed. Chunks that
arrive in order are appended straight to the staged file, so completion is a rename (local
storage) and the SHA-256 comes from a running hash; out-of-order chunks wait in their own
files until the gap before them is filled. The staged file never loses bytes that committed
rows point at before a commit says so: a request that dies at any point leaves a file its
retry can continue. The staged files live in one DATA_DIR (see ``staging_host``): a chunk that
reaches another host, or finds them gone, gets a JSON answer saying so and stores nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial

from flask import current_app

from facial_backend import blocking_work
from facial_backend.constants.recording_app import VIDEO_CONTENT_TYPES, video_file_path
from facial_backend.errors import ApiError, BadRequest, Conflict
from facial_backend.extensions import db, get_storage
from facial_backend.models.uploads import Video, VideoChunk
from facial_backend.services.recording_app import running_hashes, sessions, staging_host
from facial_backend.services.recording_app.video_staging import StagedFileLost, VideoStaging
from facial_backend.services.recording_app.videos import lock_video
from facial_backend.timeutil import utcnow
from storage.base import ObjectNotFound


@dataclass(frozen=True)
class ChunkOutcome:
    video_id: str
    chunk_index: int
    total_chunks: int
    received: int
    file_path: str | None  # set once the video is complete

    @property
    def complete(self) -> bool:
        return self.file_path is not None


def receive_chunk(session_id: str, video_id: str, chunk_index: int, total_chunks: int,
                  data: bytes, *, video_type: str | None = None, file_extension: str = "webm",
                  chunk_sha256: str | None = None) -> ChunkOutcome:
    if not data:
        raise BadRequest("chunk is empty: every chunk carries at least one byte.", "empty_chunk",
                         fields={"chunk": ["Empty file part."]})
    if chunk_sha256 and hashlib.sha256(data).hexdigest() != chunk_sha256:
        raise ApiError(422, "chunk_checksum_mismatch",
                       f"chunk_sha256 does not match the bytes of chunk {chunk_index}; it was not kept.",
                       fields={"chunk_sha256": ["Does not match the chunk's SHA-256."]})
    with lock_video(session_id, video_id, lambda: sessions.get_session(session_id)) as video:
        _check_video(video, total_chunks, file_extension, video_type)
        completes = video.status != "complete"
        try:
            outcome = _store_chunk(video, chunk_index, data)
        except (StagedFileLost, ObjectNotFound):
            raise staging_host.missing_here(video, current_app.config["DATA_DIR"]) from None
    if outcome.complete and completes:
        sessions.mirror_after_answer(session_id)
    return outcome


def _check_video(video: Video, total_chunks: int, file_extension: str,
                 video_type: str | None) -> None:
    if video_type is not None and video_type != video.video_type:
        raise BadRequest(f"video_type {video_type} does not match the session's "
                         f"({video.video_type}).", "video_type_mismatch",
                         fields={"video_type": ["Differs from the session's video_type."]})
    if video.status == "expired":
        raise ApiError(410, "upload_expired",
                       f"The upload of video {video.video_id} expired; start it under a new video_id.")
    if video.total_chunks is None:
        video.total_chunks = total_chunks
        video.file_extension = file_extension
    if total_chunks != video.total_chunks:
        raise BadRequest(f"total_chunks must be {video.total_chunks}, as on the first chunk of this video.",
                         "total_chunks_changed",
                         fields={"total_chunks": [f"Must be {video.total_chunks} for this video."]})
    if file_extension != video.file_extension:
        raise BadRequest(f"file_extension must be {video.file_extension}, as on the first chunk.",
                         "file_extension_changed",
                         fields={"file_extension": [f"Must be {video.file_extension} for this video."]})


def _pending_count(video: Video) -> int:
    """Chunks received but not yet in the staged file (each has a row with no offset)."""
    return video.received_chunks - video.appended_chunks


def _store_chunk(video: Video, index: int, data: bytes) -> ChunkOutcome:
    # Rows exist for the appended chunks 0..appended_chunks-1 and for the pending ones only:
    # with none pending, a chunk at or past the end of the staged file is new (no query).
    is_new = _pending_count(video) == 0 and index >= video.appended_chunks
    chunk = None if is_new else db.session.get(VideoChunk, (video.id, index))
    if video.status == "complete":
        if chunk is None or not _same_as_completed(video, chunk, data):
            raise Conflict(f"Chunk {index} differs from the one the completed video {video.video_id} "
                           "was built from.", "chunk_conflict")
        return _outcome(video, index)
    staging_host.claim(video, current_app.config["DATA_DIR"])
    staging = VideoStaging(current_app.config["DATA_DIR"], video.id)
    # Every committed chunk was received after ``prepare`` made the part file, so a part file
    # that is gone while chunks are committed was moved into storage (or lost), even when all
    # of them were still pending (nothing appended yet).
    if video.received_chunks and staging.part_size() is None:
        return _finish_interrupted_completion(video, staging, chunk, index, data)
    staging.prepare(video.appended_bytes, durable=_fsync())
    if chunk is None:
        chunk = VideoChunk(video_pk=video.id, chunk_index=index, size=len(data))
        db.session.add(chunk)
        video.received_chunks += 1
        _place(staging, video, chunk, data)
    elif not _same_as_staged(staging, chunk, data):
        if chunk.offset is not None:
            _unappend_from(staging, video, chunk, data)
            return _store_chunk(video, index, data)  # pending now, as on a retry
        chunk.size = len(data)
        staging.write_pending(index, data, fsync=_fsync())
        video.updated_at = utcnow()
    _drain_pending(staging, video)
    if video.appended_chunks == video.total_chunks:
        _complete(video, staging)
    return _outcome(video, index)


def _outcome(video: Video, index: int) -> ChunkOutcome:
    path = video_file_path(video) if video.status == "complete" else None
    return ChunkOutcome(video.video_id, index, video.total_chunks, video.received_chunks, path)


def _fsync() -> bool:
    return current_app.config["UPLOAD_FSYNC"]


def _place(staging: VideoStaging, video: Video, chunk: VideoChunk, data: bytes) -> None:
    """Append the chunk if it is the next one, else keep it aside until its turn."""
    if chunk.chunk_index == video.appended_chunks:
        _append(staging, video, chunk, data)
    else:
        chunk.offset = None
        staging.write_pending(chunk.chunk_index, data, fsync=_fsync())


def _append(staging: VideoStaging, video: Video, chunk: VideoChunk, data: bytes) -> None:
    """Append at the end of the staged file. The last chunk's thread also moves the whole file
    into storage (when the running hash is at hand, so ``_complete`` needs no file): one
    hand-over to a thread, not two."""
    offset = video.appended_bytes
    digest = running_hashes.take(video)
    if offset == 0:
        digest = hashlib.sha256()
    store = digest is not None and video.appended_chunks + 1 == video.total_chunks
    # The write with its fsync, and the hash, release the GIL: run in a native thread they
    # overlap with the other requests of this worker (the video's lock is held). One such call
    # per chunk: each hand-over costs the loop and the GIL.
    write = partial(staging.write_at, fsync=_fsync(),
                    then=digest.update if digest is not None else None)
    if store:
        write = partial(_write_then_store, write, _mover(video, staging))
    blocking_work.run(write, data, offset)
    chunk.offset = offset
    chunk.size = len(data)
    video.appended_bytes = offset + len(data)
    video.appended_chunks += 1
    running_hashes.changed(video)
    if digest is not None:
        running_hashes.keep(video, digest)


def _write_then_store(write, store, data: bytes, offset: int) -> None:
    write(data, offset)
    store()


def _mover(video: Video, staging: VideoStaging):
    """Move the whole staged file into storage: durable once stored (fsync and rename, or the
    upload to S3). ``blocking_work.run`` may hand it to a thread: it runs while the request has
    written nothing to the database yet."""
    storage, key = get_storage(), sessions.video_key(video)
    content_type = VIDEO_CONTENT_TYPES.get(video.file_extension, "application/octet-stream")
    return partial(storage.put_file, key, staging.part_path, content_type, move=True, synced=_fsync())


def _drain_pending(staging: VideoStaging, video: Video) -> None:
    """Append the waiting chunks that now follow the staged file without a gap. Their files
    stay until the video completes: a request that dies before its commit leaves them to
    its retry."""
    while _pending_count(video) > 0:
        waiting = db.session.get(VideoChunk, (video.id, video.appended_chunks))
        if waiting is None or waiting.offset is not None:
            return
        _append(staging, video, waiting, staging.read_pending(waiting.chunk_index))


def _same_as_staged(staging: VideoStaging, chunk: VideoChunk, data: bytes) -> bool:
    if chunk.size != len(data):
        return False
    if chunk.offset is None:
        return staging.read_pending(chunk.chunk_index) == data
    return staging.read_at(chunk.offset, chunk.size) == data


def _same_as_completed(video: Video, chunk: VideoChunk, data: bytes) -> bool:
    if chunk.size != len(data) or chunk.offset is None:
        return False
    stored = b"".join(get_storage().open(video.storage_key, chunk.offset, chunk.offset + chunk.size - 1))
    return stored == data


def _unappend_from(staging: VideoStaging, video: Video, chunk: VideoChunk, data: bytes) -> None:
    """An appended chunk sent again with other bytes: it and every chunk after it leave the
    staged file. The later ones are copied into pending files, the chunk's new bytes go into
    its own, and that is committed before the staged file is cut (the next ``prepare`` cuts
    it), so a request that dies in between leaves rows that still describe the files. Then
    the row is locked again; storing the chunk once more appends them all back in order (or,
    if another process finished the video meanwhile, finds it complete)."""
    later = db.session.scalars(
        db.select(VideoChunk).filter(VideoChunk.video_pk == video.id,
                                     VideoChunk.chunk_index > chunk.chunk_index,
                                     VideoChunk.offset.is_not(None))
        .order_by(VideoChunk.chunk_index)).all()
    for row in later:
        staging.write_pending(row.chunk_index, staging.read_at(row.offset, row.size), fsync=_fsync())
    staging.write_pending(chunk.chunk_index, data, fsync=_fsync())
    video.appended_chunks = chunk.chunk_index
    video.appended_bytes = chunk.offset
    running_hashes.changed(video)
    for row in (chunk, *later):
        row.offset = None
    chunk.size = len(data)
    video.updated_at = utcnow()
    db.session.commit()
    db.session.refresh(video, with_for_update=True)


def _finish_interrupted_completion(video: Video, staging: VideoStaging, chunk: VideoChunk | None,
                                   index: int, data: bytes) -> ChunkOutcome:
    """The staged file is gone though the video is not complete: a request moved it into
    storage and died before its commit. The retry of that request's chunk (the one chunk
    without a row) finishes the completion from the stored file."""
    sizes = dict(db.session.execute(db.select(VideoChunk.chunk_index, VideoChunk.size)
                                    .filter_by(video_pk=video.id)).tuples().all())
    key = sessions.video_key(video)
    storage = get_storage()
    stored = storage.head(key)
    if stored is None:
        raise staging_host.upload_lost(video)
    missing = [i for i in range(video.total_chunks) if i not in sizes]
    if chunk is not None or missing != [index]:
        raise Conflict(f"The upload of video {video.video_id} was interrupted while completing; "
                       f"send chunk {missing[0] if missing else index} again to finish it.",
                       "completion_interrupted")
    sizes[index] = len(data)
    offsets, position = {}, 0
    for i in sorted(sizes):
        offsets[i], position = position, position + sizes[i]
    if position != stored.size or b"".join(storage.open(
            key, offsets[index], offsets[index] + len(data) - 1)) != data:
        raise Conflict(f"Chunk {index} differs from the one the stored video {video.video_id} was "
                       "built from.", "chunk_conflict")
    db.session.add(VideoChunk(video_pk=video.id, chunk_index=index, size=len(data)))
    for row in db.session.scalars(db.select(VideoChunk).filter_by(video_pk=video.id)):
        row.offset = offsets[row.chunk_index]
    video.received_chunks = video.appended_chunks = video.total_chunks
    video.appended_bytes = stored.size
    _complete(video, staging)
    return _outcome(video, index)


def _complete(video: Video, staging: VideoStaging) -> None:
    """Exactly once per video (the caller holds its lock): hash, move into storage, record."""
    key = sessions.video_key(video)
    running = running_hashes.take(video)
    whole = running.hexdigest() if running is not None else None
    if staging.part_size() is None:
        # Already stored: by the last chunk's thread (see _append), or by a request that died
        # before its commit; then the stored file is the upload.
        sha256 = whole or _sha256_of_stored(key)
    else:
        sha256 = whole or staging.sha256()
        blocking_work.run(_mover(video, staging))
    video.status = "complete"
    video.size = video.appended_bytes
    video.sha256 = sha256
    video.storage_key = key
    video.completed_at = utcnow()
    staging.remove()


def _sha256_of_stored(key: str) -> str:
    digest = hashlib.sha256()
    for piece in get_storage().open(key):
        digest.update(piece)
    return digest.hexdigest()
