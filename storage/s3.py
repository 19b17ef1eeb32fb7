"""Objects in an S3 bucket (AWS or any S3-compatible store reached through ``endpoint_url``)."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.response import StreamingBody

from storage.base import (
    CHUNK_SIZE,
    ByteChunks,
    ObjectInfo,
    ObjectNotFound,
    PresignedUpload,
    Storage,
    StorageError,
    StorageUnavailable,
    check_expires_in,
    check_range,
    check_size_limits,
    is_valid_key,
    read_pieces,
    validate_key,
    validate_prefix,
)
from storage.content_types import guess_content_type

_MiB = 1024 * 1024
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_CALL_STARTED = "storage_call_started"
_TRANSFER = TransferConfig(multipart_threshold=8 * _MiB, multipart_chunksize=8 * _MiB, max_concurrency=4)
# Parts read from a stream wait in memory for an upload thread: at most 2 x 8 MiB per upload.
_TRANSFER.max_in_memory_upload_chunks = 2


_session: boto3.session.Session | None = None
_session_lock = threading.Lock()


def _new_client(**options: Any):
    """An S3 client from the process's one boto3 session: its service models and endpoint
    rules are read from disk once, not at every store made (a session is not thread-safe, so
    clients are made one at a time)."""
    global _session
    with _session_lock:
        if _session is None:
            _session = boto3.session.Session()
        return _session.client("s3", **options)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def _s3_errors(action: str, key: str) -> Iterator[None]:
    """Translate botocore errors: missing objects to ObjectNotFound, a store that cannot be
    reached, times out or answers 5xx to StorageUnavailable, the rest to StorageError."""
    try:
        yield
    except ClientError as exc:
        if _error_code(exc) in _NOT_FOUND:
            raise ObjectNotFound(f"no stored object {key!r}") from exc
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        failure = StorageUnavailable if status >= 500 else StorageError
        raise failure(f"S3 could not {action} {key!r}: {exc}") from exc
    except (BotoCoreError, Boto3Error) as exc:
        raise StorageUnavailable(f"S3 could not {action} {key!r}: {exc}") from exc


class _FullReads:
    """A read-only file over a stream whose ``read(n)`` returns ``n`` bytes unless at the end.

    s3transfer takes a short read for the end of the stream, so the stream's own short reads
    (sockets give them) are joined up; the stream is read in pieces of at most CHUNK_SIZE.
    """

    def __init__(self, stream: BinaryIO, max_bytes: int | None):
        self._pieces = read_pieces(stream, max_bytes)
        self._rest = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        wanted = -1 if size is None else size
        parts, have = [], 0
        while wanted < 0 or have < wanted:
            piece, self._rest = self._rest or next(self._pieces, b""), b""
            if not piece:
                break
            if 0 <= wanted < have + len(piece):
                piece, self._rest = piece[: wanted - have], piece[wanted - have :]
            parts.append(piece)
            have += len(piece)
        return b"".join(parts)


def _read_body(body: StreamingBody, key: str) -> Iterator[bytes]:
    with _s3_errors("read", key):
        yield from body.iter_chunks(CHUNK_SIZE)


def _attachment(filename: str) -> str:
    """A Content-Disposition for ``filename`` (RFC 6266, with an ASCII fallback)."""
    fallback = re.sub(r'[^\x20-\x7e]|["\\]', "_", filename)
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class S3Storage(Storage):
    """Objects at ``<prefix><key>`` in ``bucket``; large ones go up as multipart uploads.

    Credentials come from boto3's usual sources (environment, config files, instance role).
    ``prefix`` names a folder (a missing trailing ``/`` is added). With ``create_bucket``
    the bucket is created if it does not exist (for development stores such as moto).
    """

    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        region: str | None = None,
        endpoint_url: str | None = None,
        create_bucket: bool = False,
        connect_timeout: float = 3.0,
        read_timeout: float = 3.0,
        max_attempts: int = 2,
    ):
        self.bucket = bucket
        folder = prefix.strip("/")
        self.prefix = validate_key(folder) + "/" if folder else ""
        options: dict[str, Any] = {
            "signature_version": "s3v4",
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
            # A hung or refusing store fails a call within bounded time instead of hanging it.
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
            "retries": {"max_attempts": max_attempts, "mode": "standard"},
        }
        if endpoint_url:
            options["s3"] = {"addressing_style": "path"}
        self._client = _new_client(
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(**options),
        )
        if create_bucket:
            self._create_bucket()

    def _create_bucket(self) -> None:
        region = self._client.meta.region_name
        options = {}
        if region and region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._client.create_bucket(Bucket=self.bucket, **options)
        except ClientError as exc:
            if _error_code(exc) != "BucketAlreadyOwnedByYou":
                raise StorageError(f"S3 could not create bucket {self.bucket!r}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 could not create bucket {self.bucket!r}: {exc}") from exc

    def _object_key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def _extra_args(self, key: str, content_type: str | None) -> dict[str, str]:
        content_type = content_type or guess_content_type(key)
        return {"ContentType": content_type} if content_type else {}

    def _stored_info(self, key: str) -> ObjectInfo:
        info = self.head(key)
        if info is None:
            raise StorageError(f"S3 lost {key!r} right after storing it")
        return info

    def put_file(
        self,
        key: str,
        path: Path,
        content_type: str | None = None,
        *,
        move: bool = False,
        synced: bool = False,
    ) -> ObjectInfo:
        object_key = self._object_key(key)
        with _s3_errors("store", key):
            self._client.upload_file(
                str(path),
                self.bucket,
                object_key,
                ExtraArgs=self._extra_args(key, content_type),
                Config=_TRANSFER,
            )
        if move:
            os.unlink(path)
        return self._stored_info(key)

    def put_stream(
        self,
        key: str,
        stream: BinaryIO,
        content_type: str | None = None,
        *,
        max_bytes: int | None = None,
    ) -> ObjectInfo:
        object_key = self._object_key(key)
        with _s3_errors("store", key):
            self._client.upload_fileobj(
                _FullReads(stream, max_bytes),
                self.bucket,
                object_key,
                ExtraArgs=self._extra_args(key, content_type),
                Config=_TRANSFER,
            )
        return self._stored_info(key)

    def open(self, key: str, start: int = 0, end: int | None = None) -> ByteChunks:
        check_range(start, end)
        request = {"Bucket": self.bucket, "Key": self._object_key(key)}
        if start or end is not None:
            request["Range"] = f"bytes={start}-{'' if end is None else end}"
        with _s3_errors("read", key):
            try:
                body = self._client.get_object(**request)["Body"]
            except ClientError as exc:
                if _error_code(exc) != "InvalidRange":
                    raise
                return ByteChunks(iter(()), lambda: None)  # start is past the last byte
        return ByteChunks(_read_body(body, key), body.close)

    def head(self, key: str) -> ObjectInfo | None:
        try:
            with _s3_errors("describe", key):
                response = self._client.head_object(Bucket=self.bucket, Key=self._object_key(key))
        except ObjectNotFound:
            return None
        return ObjectInfo(
            key=key,
            size=response["ContentLength"],
            content_type=response.get("ContentType"),
            modified=response["LastModified"].astimezone(UTC),
            etag=response["ETag"].strip('"'),
        )

    def delete(self, key: str) -> bool:
        """Delete the object; S3 does not say whether there was one, so ask first."""
        existed = self.head(key) is not None
        with _s3_errors("delete", key):
            self._client.delete_object(Bucket=self.bucket, Key=self._object_key(key))
        return existed

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        return self._list(self.prefix + validate_prefix(prefix))

    def _list(self, object_prefix: str) -> Iterator[ObjectInfo]:
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=object_prefix)
        with _s3_errors("list", object_prefix):
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix) :]
                    if is_valid_key(key):
                        yield ObjectInfo(
                            key=key,
                            size=item["Size"],
                            content_type=None,
                            modified=item["LastModified"].astimezone(UTC),
                            etag=item["ETag"].strip('"'),
                        )

    def presigned_upload(
        self,
        key: str,
        content_type: str,
        *,
        max_bytes: int,
        expires_in: int,
        min_bytes: int = 1,
    ) -> PresignedUpload:
        object_key = self._object_key(key)
        check_expires_in(expires_in)
        check_size_limits(min_bytes, max_bytes)
        fields = {
            "Content-Type": content_type,
            "x-amz-server-side-encryption": "AES256",
        }
        conditions: list[Any] = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", min_bytes, max_bytes])
        with _s3_errors("presign an upload to", key):
            post = self._client.generate_presigned_post(
                Bucket=self.bucket,
                Key=object_key,
                Fields=fields,
                Conditions=conditions,
                ExpiresIn=expires_in,
            )
        return PresignedUpload(
            url=post["url"],
            fields=post["fields"],
            expires_in=expires_in,
            max_bytes=max_bytes,
        )

    def presigned_download(
        self,
        key: str,
        *,
        expires_in: int,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        params = {"Bucket": self.bucket, "Key": self._object_key(key)}
        check_expires_in(expires_in)
        if filename:
            params["ResponseContentDisposition"] = _attachment(filename)
        if content_type:
            params["ResponseContentType"] = content_type
        with _s3_errors("presign a download of", key):
            return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def time_remote_calls(self, report: Callable[[float], None]) -> None:
        def started(context: dict, **_: Any) -> None:
            context[_CALL_STARTED] = time.perf_counter()

        def ended(context: dict, **_: Any) -> None:
            if _CALL_STARTED in context:
                report(time.perf_counter() - context.pop(_CALL_STARTED))

        events = self._client.meta.events
        events.register("before-call.s3", started)
        events.register("after-call.s3", ended)
        events.register("after-call-error.s3", ended)

    def local_path(self, key: str) -> None:
        validate_key(key)

    def check(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"S3 bucket {self.bucket!r} is not usable: {exc}") from exc
