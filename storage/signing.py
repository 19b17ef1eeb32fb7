"""HMAC-signed, expiring upload policies and download URLs for stores the app serves itself.

The local backend makes them; the web routes that receive the upload or serve the download
check them with ``UploadPolicy`` and ``verify_download``. Upload policies have the shape of
S3 presigned-POST policies so that clients cannot tell the two stores apart.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.base import StorageError, validate_key

ALGORITHM = "HMAC-SHA256"
LOCAL_BUCKET = "local"
ENCRYPTION_FIELD = "x-amz-server-side-encryption"
ENCRYPTION = "AES256"
_EXPIRATION_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class SignatureError(StorageError):
    """A signature does not match, or a signed request breaks one of its conditions."""


class ExpiredSignature(SignatureError):
    """The signature was valid but has expired."""


def sign(message: str, signing_key: bytes) -> str:
    """Hex HMAC-SHA256 of ``message``."""
    return hmac.new(signing_key, message.encode(), hashlib.sha256).hexdigest()


def _check_signature(message: str, signature: object, signing_key: bytes, what: str) -> None:
    if not isinstance(signature, str) or not hmac.compare_digest(
        sign(message, signing_key).encode(), signature.encode()
    ):
        raise SignatureError(f"the {what} signature does not match")


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _download_message(key: str, expires: int, filename: str | None, content_type: str | None) -> str:
    # A JSON array keeps the parts apart whatever characters they contain.
    return json.dumps(["download", key, expires, filename or "", content_type or ""])


def sign_download(
    key: str,
    expires: int,
    filename: str | None,
    content_type: str | None,
    signing_key: bytes,
) -> str:
    """Signature of a download URL for ``key`` valid until the Unix time ``expires``."""
    return sign(_download_message(key, expires, filename, content_type), signing_key)


def verify_download(
    key: str,
    expires: int | str,
    signature: str,
    filename: str | None,
    content_type: str | None,
    signing_key: bytes,
    now: datetime | None = None,
) -> None:
    """Check the query of a download URL made by ``sign_download``.

    ``expires`` may be the raw query string value; ``filename`` and ``content_type`` are
    None (or empty) when the URL has none. Raises InvalidKey, SignatureError or
    ExpiredSignature.
    """
    validate_key(key)
    try:
        expires_at = int(expires)
    except (TypeError, ValueError):
        raise SignatureError(f"expires must be a Unix time, got {expires!r}") from None
    _check_signature(
        _download_message(key, expires_at, filename, content_type),
        signature,
        signing_key,
        "download",
    )
    if _now(now).timestamp() >= expires_at:
        raise ExpiredSignature(
            f"the download link expired at {datetime.fromtimestamp(expires_at, UTC):%Y-%m-%d %H:%M:%S} UTC"
        )


def make_upload_policy(
    key: str,
    content_type: str,
    *,
    min_bytes: int,
    max_bytes: int,
    expires_in: int,
    now: datetime | None = None,
) -> str:
    """Base64 JSON policy allowing one POST of a file to ``key`` (the S3 presigned-POST format)."""
    expiration = _now(now) + timedelta(seconds=expires_in)
    policy = {
        "expiration": expiration.strftime(_EXPIRATION_FORMAT),
        "conditions": [
            {"bucket": LOCAL_BUCKET},
            {"key": key},
            {"Content-Type": content_type},
            {ENCRYPTION_FIELD: ENCRYPTION},
            ["content-length-range", min_bytes, max_bytes],
        ],
    }
    return base64.b64encode(json.dumps(policy).encode()).decode()


@dataclass(frozen=True)
class UploadPolicy:
    """A verified, unexpired upload policy (from ``parse``), to check a POST against."""

    expiration: datetime
    required_fields: dict[str, str]
    """The exact-match conditions other than ``bucket``: form field name -> required value."""
    content_length_range: tuple[int, int]
    """The smallest and largest allowed file size in bytes."""

    @property
    def key(self) -> str:
        return self.required_fields["key"]

    @classmethod
    def parse(
        cls,
        policy_b64: str,
        signature: str,
        signing_key: bytes,
        now: datetime | None = None,
    ) -> UploadPolicy:
        """Verify the signature of a ``policy`` form field, decode it and check its expiry.

        Raises SignatureError (or ExpiredSignature) saying what is wrong.
        """
        if not isinstance(policy_b64, str):
            raise SignatureError("the upload has no policy")
        _check_signature(policy_b64, signature, signing_key, "upload policy")
        try:
            document = json.loads(base64.b64decode(policy_b64, validate=True))
            expiration = datetime.strptime(document["expiration"], _EXPIRATION_FORMAT).replace(tzinfo=UTC)
            policy = cls._from_conditions(expiration, document["conditions"])
        except (binascii.Error, ValueError, KeyError, TypeError) as exc:
            raise SignatureError(f"the upload policy is malformed: {exc}") from exc
        if _now(now) >= expiration:
            raise ExpiredSignature(f"the upload policy expired at {expiration:%Y-%m-%d %H:%M:%S} UTC")
        return policy

    @classmethod
    def _from_conditions(cls, expiration: datetime, conditions: list) -> UploadPolicy:
        required: dict[str, str] = {}
        sizes = None
        for condition in conditions:
            if isinstance(condition, dict) and len(condition) == 1:
                [(name, value)] = condition.items()
                if name != "bucket":
                    required[name] = value
                elif value != LOCAL_BUCKET:
                    raise ValueError(f"bucket {value!r} is not {LOCAL_BUCKET!r}")
            elif isinstance(condition, list) and condition[:1] == ["content-length-range"]:
                _, low, high = condition
                sizes = (int(low), int(high))
            else:
                raise ValueError(f"unsupported condition {condition!r}")
        if "key" not in required or sizes is None:
            raise ValueError("it lacks the key or content-length-range condition")
        return cls(expiration, required, sizes)

    def check_fields(self, fields: Mapping[str, str]) -> None:
        """Check the POSTed form fields against every condition of the policy.

        Field names are matched case-insensitively (as S3 does), values exactly.
        Raises SignatureError naming the first condition that fails.
        """
        posted = {name.lower(): value for name, value in fields.items()}
        for name, required in self.required_fields.items():
            value = posted.get(name.lower())
            if value is None:
                raise SignatureError(f"policy condition failed: the form field {name!r} is missing")
            if value != required:
                raise SignatureError(f"policy condition failed: {name} must be {required!r}, got {value!r}")
