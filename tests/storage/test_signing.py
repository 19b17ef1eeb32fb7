"""Signed upload policies and download links, as the web routes of the local backend use them."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from storage import ExpiredSignature, InvalidKey, SignatureError, UploadPolicy, verify_download
from storage.signing import make_upload_policy, sign, sign_download

KEY = b"signing-key"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def upload_fields(key="rec/a.m4a", content_type="audio/mp4", **limits):
    limits = {"min_bytes": 1, "max_bytes": 1000, "expires_in": 3600} | limits
    policy = make_upload_policy(key, content_type, now=NOW, **limits)
    return {
        "key": key,
        "Content-Type": content_type,
        "x-amz-server-side-encryption": "AES256",
        "policy": policy,
        "x-amz-algorithm": "HMAC-SHA256",
        "x-amz-signature": sign(policy, KEY),
    }


def parse(fields, now=NOW):
    return UploadPolicy.parse(fields["policy"], fields["x-amz-signature"], KEY, now=now)


def signed_policy(document):
    policy = base64.b64encode(json.dumps(document).encode()).decode()
    return policy, sign(policy, KEY)


def test_an_upload_policy_round_trips():
    fields = upload_fields()

    policy = parse(fields)
    policy.check_fields(fields)

    assert policy.key == "rec/a.m4a"
    assert policy.expiration == NOW + timedelta(hours=1)
    assert policy.content_length_range == (1, 1000)
    assert policy.required_fields == {
        "key": "rec/a.m4a",
        "Content-Type": "audio/mp4",
        "x-amz-server-side-encryption": "AES256",
    }


def test_the_policy_has_the_s3_shape():
    document = json.loads(base64.b64decode(upload_fields()["policy"]))

    assert document == {
        "expiration": "2025-03-01T13:00:00Z",
        "conditions": [
            {"bucket": "local"},
            {"key": "rec/a.m4a"},
            {"Content-Type": "audio/mp4"},
            {"x-amz-server-side-encryption": "AES256"},
            ["content-length-range", 1, 1000],
        ],
    }


def test_field_names_match_case_insensitively_as_on_s3():
    fields = upload_fields()
    fields["content-type"] = fields.pop("Content-Type")

    parse(fields).check_fields(fields)


def test_a_tampered_signature_is_refused():
    fields = upload_fields()
    fields["x-amz-signature"] = "0" * 64

    with pytest.raises(SignatureError, match="upload policy signature does not match"):
        parse(fields)


def test_a_policy_changed_after_signing_is_refused():
    fields = upload_fields()
    other = upload_fields(max_bytes=10**9)

    with pytest.raises(SignatureError, match="signature does not match"):
        UploadPolicy.parse(other["policy"], fields["x-amz-signature"], KEY, now=NOW)


def test_a_policy_signed_with_another_key_is_refused():
    fields = upload_fields()

    with pytest.raises(SignatureError, match="signature does not match"):
        UploadPolicy.parse(fields["policy"], fields["x-amz-signature"], b"other key", now=NOW)


def test_an_expired_policy_is_refused():
    fields = upload_fields(expires_in=60)

    parse(fields, now=NOW + timedelta(seconds=59))
    with pytest.raises(ExpiredSignature, match="upload policy expired at 2025-03-01 12:01:00 UTC"):
        parse(fields, now=NOW + timedelta(seconds=60))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("key", "rec/other.m4a", "key must be 'rec/a.m4a', got 'rec/other.m4a'"),
        ("Content-Type", "text/html", "Content-Type must be 'audio/mp4', got 'text/html'"),
        ("x-amz-server-side-encryption", "aws:kms", "x-amz-server-side-encryption must be"),
    ],
)
def test_a_changed_field_names_the_failed_condition(field, value, message):
    fields = upload_fields()
    policy = parse(fields)
    fields[field] = value

    with pytest.raises(SignatureError, match=f"policy condition failed: {message}"):
        policy.check_fields(fields)


@pytest.mark.parametrize("field", ["key", "Content-Type", "x-amz-server-side-encryption"])
def test_a_missing_field_names_the_failed_condition(field):
    fields = upload_fields()
    policy = parse(fields)
    del fields[field]

    with pytest.raises(SignatureError, match=f"the form field '{field}' is missing"):
        policy.check_fields(fields)


def test_a_policy_for_another_bucket_is_refused():
    policy, signature = signed_policy(
        {
            "expiration": "2099-01-01T00:00:00Z",
            "conditions": [{"bucket": "other"}, {"key": "a"}, ["content-length-range", 1, 2]],
        }
    )

    with pytest.raises(SignatureError, match="bucket 'other' is not 'local'"):
        UploadPolicy.parse(policy, signature, KEY)


@pytest.mark.parametrize(
    "document",
    [
        {"expiration": "2099-01-01T00:00:00Z", "conditions": [{"key": "a"}]},
        {"expiration": "tomorrow", "conditions": []},
        {"conditions": []},
        {"expiration": "2099-01-01T00:00:00Z", "conditions": [["starts-with", "$key", ""]]},
    ],
)
def test_a_malformed_policy_is_refused(document):
    policy, signature = signed_policy(document)

    with pytest.raises(SignatureError, match="the upload policy is malformed"):
        UploadPolicy.parse(policy, signature, KEY)


def test_a_policy_that_is_not_base64_json_is_refused():
    with pytest.raises(SignatureError, match="the upload policy is malformed"):
        UploadPolicy.parse("not base64!", sign("not base64!", KEY), KEY)


def test_a_missing_policy_or_signature_is_refused():
    fields = upload_fields()
    with pytest.raises(SignatureError, match="no policy"):
        UploadPolicy.parse(None, fields["x-amz-signature"], KEY)
    with pytest.raises(SignatureError, match="signature does not match"):
        UploadPolicy.parse(fields["policy"], None, KEY)


def download(key="rec/a.m4a", filename="Visit 1.m4a", content_type="audio/mp4"):
    expires = int(NOW.timestamp()) + 300
    return [key, str(expires), sign_download(key, expires, filename, content_type, KEY)]


def test_a_download_signature_round_trips():
    verify_download(*download(), "Visit 1.m4a", "audio/mp4", KEY, now=NOW)
    verify_download(*download(filename=None, content_type=None), None, None, KEY, now=NOW)
    verify_download(*download(filename=None, content_type=None), "", "", KEY, now=NOW)


@pytest.mark.parametrize(
    ("change", "value"),
    [
        (0, "rec/b.m4a"),
        (1, str(int(NOW.timestamp()) + 3600)),
        (2, "f" * 64),
        (2, "not hex at all \u00e9"),
        (3, "other.m4a"),
        (4, "text/html"),
    ],
)
def test_a_tampered_download_is_refused(change, value):
    arguments = download() + ["Visit 1.m4a", "audio/mp4"]
    arguments[change] = value

    with pytest.raises(SignatureError, match="download signature does not match"):
        verify_download(*arguments, KEY, now=NOW)


def test_an_expired_download_is_refused():
    arguments = download()

    verify_download(*arguments, "Visit 1.m4a", "audio/mp4", KEY, now=NOW + timedelta(seconds=299))
    with pytest.raises(ExpiredSignature, match="download link expired"):
        verify_download(*arguments, "Visit 1.m4a", "audio/mp4", KEY, now=NOW + timedelta(seconds=300))


def test_a_download_with_a_bad_expiry_or_key_is_refused():
    key, _, signature = download()
    with pytest.raises(SignatureError, match="expires must be a Unix time"):
        verify_download(key, "soon", signature, "Visit 1.m4a", "audio/mp4", KEY)
    with pytest.raises(InvalidKey):
        verify_download("../etc/passwd", "1", signature, None, None, KEY)
