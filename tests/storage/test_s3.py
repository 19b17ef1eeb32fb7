"""What only the S3 backend does, against moto's S3 server."""

import boto3
import pytest
import requests

from storage import S3Storage, StorageError, TooLarge
from storage.s3 import _FullReads
from tests.storage.streams import GeneratedStream, MiB, StreamBroke


@pytest.fixture
def client(moto_endpoint):
    return boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")


def unprefixed(s3, moto_endpoint):
    """The same bucket seen without the store's prefix."""
    return S3Storage(s3.bucket, endpoint_url=moto_endpoint)


def test_objects_live_under_the_prefix(s3_storage, moto_endpoint):
    s3_storage.put_bytes("a/b.txt", b"x")

    assert [info.key for info in unprefixed(s3_storage, moto_endpoint).list("")] == ["tenant/a/b.txt"]


@pytest.mark.parametrize(
    ("stream", "error"),
    [
        (GeneratedStream(20 * MiB), TooLarge),
        (GeneratedStream(20 * MiB, fail_after=12 * MiB), StreamBroke),
    ],
    ids=["too-large", "stream-broke"],
)
def test_an_interrupted_multipart_upload_is_aborted(s3_storage, client, stream, error):
    with pytest.raises(error):
        s3_storage.put_stream("rec/big.bin", stream, max_bytes=15 * MiB)

    assert client.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", []) == []
    assert client.list_objects_v2(Bucket=s3_storage.bucket).get("Contents", []) == []


def test_an_explicit_content_type_wins_over_the_extension(s3_storage):
    assert s3_storage.put_bytes("a/b.txt", b"x", "application/json").content_type == "application/json"
    assert s3_storage.put_bytes("a/c.txt", b"x").content_type == "text/plain"


def test_list_skips_keys_that_are_not_valid_keys(s3_storage, client):
    s3_storage.put_bytes("a/b.txt", b"x")
    for odd in ["tenant/a/", "tenant/a/with space.txt", "tenant/a/.hidden"]:
        client.put_object(Bucket=s3_storage.bucket, Key=odd, Body=b"x")

    assert [info.key for info in s3_storage.list("a/")] == ["a/b.txt"]


def test_creating_an_existing_bucket_is_fine(s3_storage, moto_endpoint):
    S3Storage(s3_storage.bucket, endpoint_url=moto_endpoint, create_bucket=True).check()


def test_check_fails_for_a_missing_bucket(moto_endpoint):
    with pytest.raises(StorageError, match="'no-such-bucket' is not usable"):
        S3Storage("no-such-bucket", endpoint_url=moto_endpoint).check()


def test_errors_of_the_store_become_storage_errors(moto_endpoint):
    s3 = S3Storage("no-such-bucket", endpoint_url=moto_endpoint)

    with pytest.raises(StorageError, match="NoSuchBucket"):
        s3.put_bytes("a.txt", b"x")
    with pytest.raises(StorageError, match="NoSuchBucket"):
        list(s3.list(""))


def test_short_reads_of_a_stream_are_joined_into_full_parts():
    reader = _FullReads(GeneratedStream(9 * MiB, max_read=100_000), None)

    assert len(reader.read(8 * MiB)) == 8 * MiB
    assert len(reader.read(8 * MiB)) == MiB
    assert reader.read(8 * MiB) == b""


@pytest.mark.parametrize(
    ("filename", "disposition"),
    [
        ("visit 1.m4a", 'attachment; filename="visit 1.m4a"'),
        ('say "hi".m4a', "attachment; filename=\"say _hi_.m4a\"; filename*=UTF-8''say%20%22hi%22.m4a"),
        ("Visité\r\n.m4a", "attachment; filename=\"Visit___.m4a\"; filename*=UTF-8''Visit%C3%A9%0D%0A.m4a"),
    ],
)
def test_download_file_names_are_safe_in_the_header(s3_storage, filename, disposition):
    s3_storage.put_bytes("rec/a.m4a", b"audio")

    response = requests.get(s3_storage.presigned_download("rec/a.m4a", expires_in=60, filename=filename), timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == disposition


def test_each_call_to_s3_reports_its_time(s3_storage):
    reported: list[float] = []
    s3_storage.time_remote_calls(reported.append)

    s3_storage.put_bytes("timed/a.txt", b"x")
    calls_to_store = len(reported)
    assert s3_storage.head("timed/a.txt") is not None
    assert s3_storage.head("timed/missing.txt") is None  # a 404 answer is a call too

    assert calls_to_store >= 1
    assert len(reported) == calls_to_store + 2
    assert all(seconds > 0 for seconds in reported)
