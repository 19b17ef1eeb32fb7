"""Receiving a presigned POST on the local storage backend, the way S3 receives one.

The body is the multipart form a phone sends to S3: the fields of the presigned upload, then
the file part (named ``file``) last. Every condition of the signed policy is enforced before
anything is kept: signature, expiry, exact field values (key, Content-Type, encryption) and
the content-length range; form fields the policy does not cover are refused, as S3 does.
The file part is streamed into a temporary file inside the storage folder, so storing it is
a rename; nothing of a refused upload remains.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Event, Field, File, MultipartDecoder, NeedData

from facial_backend import blocking_work
from facial_backend.errors import ApiError, BadRequest
from storage import ExpiredSignature, LocalStorage, ObjectExists, ObjectInfo, SignatureError, UploadPolicy
from storage.atomicfile import write_out

READ_SIZE = 256 * 1024
MAX_PARTS = 64
MAX_FIELD_BYTES = 64 * 1024
"""All form fields together (the policy is the largest, around 1 KiB)."""
ENVELOPE_BYTES = MAX_FIELD_BYTES + 16 * 1024
"""Largest body size beyond the file itself: the fields and the multipart framing."""
_SIGNING_FIELDS = {"policy", "x-amz-signature", "x-amz-algorithm", "x-amz-credential",
                   "x-amz-date", "x-amz-security-token"}
INCOMING_FOLDER = ".incoming"
"""Temporary files of uploads in progress, in the storage folder (never a valid key)."""
TEMP_PREFIX = "upload-"


def refused(code: str, message: str) -> ApiError:
    return ApiError(403, code, message)


def receive_presigned_post(storage: LocalStorage, stream: BinaryIO, content_type: str | None,
                           content_length: int | None, signing_key: bytes) -> ObjectInfo:
    """Check and store one presigned POST; ApiError 403 (policy) or 400 (malformed) otherwise."""
    boundary = _boundary(content_type)
    events = _events(MultipartDecoder(boundary, max_parts=MAX_PARTS), stream)
    fields, file_part = _read_fields(events)
    policy = _check_policy(fields, signing_key)
    high = policy.content_length_range[1]
    if content_length is not None and content_length > high + ENVELOPE_BYTES:
        raise refused("entity_too_large", f"Your proposed upload exceeds the maximum allowed size "
                                          f"({high} bytes).")
    if file_part.name != "file":
        raise BadRequest("The file part must be named 'file'.", "missing_file")
    return _store(storage, policy, events, fields.get("content-type"))


def _boundary(content_type: str | None) -> bytes:
    mimetype, options = parse_options_header(content_type or "")
    boundary = options.get("boundary", "")
    if mimetype != "multipart/form-data" or not boundary or len(boundary) > 200:
        raise BadRequest("The upload must be a multipart/form-data POST with a boundary.",
                         "not_multipart")
    return boundary.encode("latin-1", "replace")


def _events(decoder: MultipartDecoder, stream: BinaryIO) -> Iterator[Event]:
    """The parts of the body as decoder events, read from ``stream`` as needed."""
    while True:
        try:
            event = decoder.next_event()
        except RequestEntityTooLarge:
            raise BadRequest(f"The form has more than {MAX_PARTS} parts.", "too_many_parts") from None
        except ValueError as exc:
            raise BadRequest(f"The multipart body is malformed: {exc}", "malformed_multipart") from None
        if isinstance(event, NeedData):
            decoder.receive_data(stream.read(READ_SIZE) or None)
            continue
        yield event
        if isinstance(event, Epilogue):
            return


def _read_fields(events: Iterator[Event]) -> tuple[dict[str, str], File]:
    """Every form field (names lower-cased, as S3 compares them) up to the file part."""
    fields: dict[str, str] = {}
    total = 0
    for event in events:
        if isinstance(event, File):
            return fields, event
        if not isinstance(event, Field):
            continue
        value = bytearray()
        for data in events:
            value += data.data
            total += len(data.data)
            if total > MAX_FIELD_BYTES:
                raise BadRequest(f"The form fields exceed {MAX_FIELD_BYTES} bytes.", "fields_too_large")
            if not data.more_data:
                break
        name = (event.name or "").lower()
        if name in fields:
            raise BadRequest(f"The form field {event.name!r} is sent twice.", "duplicate_field")
        try:
            fields[name] = value.decode()
        except UnicodeDecodeError:
            raise BadRequest(f"The form field {event.name!r} is not UTF-8 text.", "invalid_field") from None
    raise BadRequest("POST requires exactly one file upload per request (the file part, last).",
                     "missing_file")


def _check_policy(fields: dict[str, str], signing_key: bytes) -> UploadPolicy:
    try:
        policy = UploadPolicy.parse(fields.get("policy"), fields.get("x-amz-signature"), signing_key)
        policy.check_fields(fields)
    except ExpiredSignature as exc:
        raise refused("policy_expired", f"Invalid according to Policy: Policy expired ({exc}).") from None
    except SignatureError as exc:
        raise refused("policy_refused", f"Invalid according to Policy: {exc}.") from None
    covered = {name.lower() for name in policy.required_fields} | _SIGNING_FIELDS
    extra = sorted(name for name in fields if name not in covered and not name.startswith("x-ignore-"))
    if extra:
        raise refused("policy_refused",
                      f"Invalid according to Policy: Extra input fields: {', '.join(extra)}.")
    return policy


def _store(storage: LocalStorage, policy: UploadPolicy, events: Iterator[Event],
           content_type: str | None) -> ObjectInfo:
    """Stream the file part's data into a temporary file, check its size, move it in place."""
    low, high = policy.content_length_range
    incoming = storage.root / INCOMING_FOLDER
    incoming.mkdir(exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=incoming)
    temp = Path(name)
    try:
        size = _write_file_data(fd, events, high)
        os.close(fd)
        fd = -1
        if size < low:
            raise refused("entity_too_small", f"Your proposed upload is smaller than the minimum "
                                              f"allowed size ({low} bytes).")
        # fsync, link and folder fsync: a thread waits for the disk, the other requests go on.
        # One-shot: a policy replayed after its upload stored nothing and is refused.
        try:
            return blocking_work.run(lambda: storage.put_file_once(policy.key, temp, content_type))
        except ObjectExists:
            raise refused("policy_already_used", "This upload was already made; a presigned "
                                                 "upload can be used once.") from None
    finally:
        if fd >= 0:
            os.close(fd)
        temp.unlink(missing_ok=True)


def _write_file_data(fd: int, events: Iterator[Event], max_bytes: int) -> int:
    size = 0
    for event in events:
        if not isinstance(event, Data):
            break
        if size + len(event.data) > max_bytes:
            raise refused("entity_too_large", f"Your proposed upload exceeds the maximum allowed "
                                              f"size ({max_bytes} bytes).")
        write_out(fd, event.data, size)
        size += len(event.data)
        if not event.more_data:
            return size
    raise BadRequest("The multipart body ends inside the file part.", "malformed_multipart")
