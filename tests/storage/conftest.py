"""Fixtures for the storage tests: an S3 endpoint from moto's server mode and both backends."""

import uuid

import pytest
from moto.server import ThreadedMotoServer

from storage import LocalStorage, S3Storage

SIGNING_KEY = b"storage-test-signing-key"
BASE_URL = "http://app.test/base/"


@pytest.fixture(scope="session")
def aws_credentials(tmp_path_factory):
    """Dummy AWS credentials and region; no AWS config file of the machine is read."""
    empty = tmp_path_factory.mktemp("aws") / "none"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(empty),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        }.items():
            patch.setenv(name, value)
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def moto_endpoint(aws_credentials):
    """URL of a moto S3 server on a free loopback port, for the whole test session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


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
