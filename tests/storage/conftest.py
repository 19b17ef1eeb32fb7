"""Fixtures for the storage tests: both backends (S3 on the shared moto server fixture)."""

import uuid

import pytest

from storage import LocalStorage, S3Storage

SIGNING_KEY = b"storage-test-signing-key"
BASE_URL = "http://app.test/base/"


@pytest.fixture
def s3_storage(moto_endpoint):
    """An S3Storage on a fresh moto bucket, keeping its objects under a prefix."""
    return S3Storage(
        f"test-{uuid.uuid4().hex}",
        prefix="tenant/",
        region="us-east-1",
        endpoint_url=moto_endpoint,
        create_bucket=True,
    )


@pytest.fixture
def local_storage(tmp_path):
    return LocalStorage(tmp_path / "store", SIGNING_KEY, lambda: BASE_URL)


@pytest.fixture(params=["local", "s3"])
def storage(request):
    return request.getfixturevalue(f"{request.param}_storage")
