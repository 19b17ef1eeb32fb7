"""The presigned POST policy S3Storage makes, decoded: moto does not enforce policies, S3 does."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from storage import S3Storage

MAX = 104857600


@pytest.fixture
def s3(aws_credentials):
    return S3Storage("recordings-bucket", prefix="helppet", region="eu-west-1")


def decode(upload):
    return json.loads(base64.b64decode(upload.fields["policy"]))


def test_the_policy_pins_bucket_key_type_encryption_and_size(s3):
    upload = s3.presigned_upload("rec/u1/visit.m4a", "audio/mp4", max_bytes=MAX, expires_in=3600)

    conditions = decode(upload)["conditions"]

    assert {"bucket": "recordings-bucket"} in conditions
    assert {"key": "helppet/rec/u1/visit.m4a"} in conditions
    assert {"Content-Type": "audio/mp4"} in conditions  # exact, not starts-with
    assert {"x-amz-server-side-encryption": "AES256"} in conditions
    assert ["content-length-range", 1, MAX] in conditions
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    assert upload.max_bytes == MAX
    assert upload.expires_in == 3600


def test_the_fields_are_what_a_phone_posts(s3):
    upload = s3.presigned_upload("rec/a.m4a", "audio/m4a", max_bytes=500, expires_in=60, min_bytes=10)

    assert upload.url == "https://recordings-bucket.s3.amazonaws.com/"
    assert upload.fields["key"] == "helppet/rec/a.m4a"
    assert upload.fields["Content-Type"] == "audio/m4a"
    assert upload.fields["x-amz-server-side-encryption"] == "AES256"
    assert upload.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert {"policy", "x-amz-signature", "x-amz-credential", "x-amz-date"} <= set(upload.fields)
    assert ["content-length-range", 10, 500] in decode(upload)["conditions"]


@pytest.mark.parametrize("expires_in", [60, 3600])
def test_the_policy_expires_after_expires_in(s3, expires_in):
    before = datetime.now(UTC)
    upload = s3.presigned_upload("rec/a.m4a", "audio/mp4", max_bytes=MAX, expires_in=expires_in)
    after = datetime.now(UTC)

    expiration = datetime.strptime(decode(upload)["expiration"], "%Y-%m-%dT%H:%M:%SZ")
    expiration = expiration.replace(tzinfo=UTC)

    lifetime = timedelta(seconds=expires_in)
    assert before + lifetime - timedelta(seconds=1) <= expiration <= after + lifetime


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"max_bytes": 10, "expires_in": 0}, "expires_in must be positive"),
        ({"max_bytes": 10, "expires_in": 60, "min_bytes": 11}, "min_bytes <= max_bytes"),
    ],
)
def test_impossible_limits_are_refused(s3, limits, message):
    with pytest.raises(ValueError, match=message):
        s3.presigned_upload("rec/a.m4a", "audio/mp4", **limits)


def test_an_endpoint_url_gives_path_style_urls(aws_credentials):
    s3 = S3Storage("bucket", endpoint_url="http://127.0.0.1:9/", region="us-east-1")

    upload = s3.presigned_upload("a.m4a", "audio/mp4", max_bytes=10, expires_in=60)

    assert upload.url == "http://127.0.0.1:9/bucket"
