"""Where the service keeps files: one small interface (``Storage``) and its backends.

``create_storage`` picks the backend from the settings; nothing else needs to know which
one runs. Keys are built by the caller from validated parts (see ``validate_key``).
"""

from collections.abc import Mapping
from pathlib import Path

from storage.base import (
    CHUNK_SIZE,
    ByteChunks,
    InvalidKey,
    ObjectExists,
    ObjectInfo,
    ObjectNotFound,
    PresignedUpload,
    Storage,
    StorageError,
    StorageUnavailable,
    TooLarge,
    validate_key,
)
from storage.local import LocalStorage
from storage.signing import ExpiredSignature, SignatureError, UploadPolicy, verify_download

__all__ = [
    "CHUNK_SIZE",
    "ByteChunks",
    "ExpiredSignature",
    "InvalidKey",
    "LocalStorage",
    "ObjectInfo",
    "ObjectExists",
    "ObjectNotFound",
    "PresignedUpload",
    "S3Storage",
    "SignatureError",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "TooLarge",
    "UploadPolicy",
    "create_storage",
    "validate_key",
    "verify_download",
]


def __getattr__(name: str):
    """``S3Storage`` is imported when first asked for: boto3 takes a few hundred milliseconds to
    import, for nothing in a process whose files are local."""
    if name == "S3Storage":
        from storage.s3 import S3Storage
        return S3Storage
    raise AttributeError(f"module 'storage' has no attribute {name!r}")


def _required(settings: Mapping, name: str):
    value = settings.get(name)
    if value is None or value == "":
        raise ValueError(f"{name} must be set for STORAGE_BACKEND={settings.get('STORAGE_BACKEND')!r}")
    return value


_S3_LIMITS = {"S3_CONNECT_TIMEOUT": "connect_timeout", "S3_READ_TIMEOUT": "read_timeout",
              "S3_MAX_ATTEMPTS": "max_attempts"}


def create_storage(settings: Mapping) -> Storage:
    """Build the store that ``settings["STORAGE_BACKEND"]`` names (``"local"`` or ``"s3"``).

    local: ``LOCAL_STORAGE_ROOT``, ``SIGNING_KEY`` (bytes or str) and ``BASE_URL`` (a callable
    returning the public base URL, for presigned URLs). s3: ``S3_BUCKET`` and optionally
    ``S3_PREFIX``, ``S3_REGION``, ``S3_ENDPOINT_URL``, ``S3_CREATE_BUCKET``, ``S3_CONNECT_TIMEOUT``,
    ``S3_READ_TIMEOUT`` (seconds) and ``S3_MAX_ATTEMPTS``.
    """
    backend = settings.get("STORAGE_BACKEND")
    if backend == "local":
        signing_key = _required(settings, "SIGNING_KEY")
        return LocalStorage(
            Path(_required(settings, "LOCAL_STORAGE_ROOT")),
            signing_key.encode() if isinstance(signing_key, str) else signing_key,
            _required(settings, "BASE_URL"),
        )
    if backend == "s3":
        from storage.s3 import S3Storage
        create_bucket = settings.get("S3_CREATE_BUCKET") or False
        if not isinstance(create_bucket, bool):
            raise ValueError(f"S3_CREATE_BUCKET must be a bool, got {create_bucket!r}")
        return S3Storage(
            _required(settings, "S3_BUCKET"),
            prefix=settings.get("S3_PREFIX") or "",
            region=settings.get("S3_REGION") or None,
            endpoint_url=settings.get("S3_ENDPOINT_URL") or None,
            create_bucket=create_bucket,
            **{option: settings[name] for name, option in _S3_LIMITS.items() if settings.get(name)},
        )
    raise ValueError(f"STORAGE_BACKEND must be 'local' or 's3', got {backend!r}")
