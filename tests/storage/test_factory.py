"""create_storage: the backend named by the settings, or a clear error."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import LocalStorage, S3Storage, UploadPolicy, create_storage


def local_settings(tmp_path, **changes):
    settings = {
        "STORAGE_BACKEND": "local",
        "LOCAL_STORAGE_ROOT": str(tmp_path / "data" / "files"),
        "SIGNING_KEY": "secret",
        "BASE_URL": lambda: "https://example.org/",
        "S3_BUCKET": None,
    }
    return settings | changes


def test_local_backend(tmp_path):
    store = create_storage(local_settings(tmp_path))

    assert isinstance(store, LocalStorage)
    assert store.root == tmp_path / "data" / "files"
    assert store.root.is_dir()
    upload = store.presigned_upload("a.m4a", "audio/mp4", max_bytes=10, expires_in=60)
    assert upload.url == "https://example.org/storage/upload"
    UploadPolicy.parse(upload.fields["policy"], upload.fields["x-amz-signature"], b"secret")


def test_a_bytes_signing_key_is_used_as_is(tmp_path):
    store = create_storage(local_settings(tmp_path, SIGNING_KEY=b"\x00raw"))
    upload = store.presigned_upload("a.m4a", "audio/mp4", max_bytes=10, expires_in=60)

    UploadPolicy.parse(upload.fields["policy"], upload.fields["x-amz-signature"], b"\x00raw")


def test_s3_backend(moto_endpoint):
    store = create_storage(
        {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": "factory-bucket",
            "S3_PREFIX": "media",
            "S3_REGION": "us-east-1",
            "S3_ENDPOINT_URL": moto_endpoint,
            "S3_CREATE_BUCKET": True,
            "LOCAL_STORAGE_ROOT": None,
        }
    )

    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix) == ("factory-bucket", "media/")
    store.check()


@pytest.mark.parametrize("backend", [None, "", "gcs", "LOCAL"])
def test_an_unknown_backend_is_refused(tmp_path, backend):
    with pytest.raises(ValueError, match="STORAGE_BACKEND must be 'local' or 's3'"):
        create_storage(local_settings(tmp_path, STORAGE_BACKEND=backend))


@pytest.mark.parametrize("name", ["LOCAL_STORAGE_ROOT", "SIGNING_KEY", "BASE_URL"])
def test_a_missing_local_setting_is_named(tmp_path, name):
    with pytest.raises(ValueError, match=f"{name} must be set for STORAGE_BACKEND='local'"):
        create_storage(local_settings(tmp_path, **{name: None}))


def test_a_missing_bucket_is_named():
    with pytest.raises(ValueError, match="S3_BUCKET must be set for STORAGE_BACKEND='s3'"):
        create_storage({"STORAGE_BACKEND": "s3"})


def test_a_create_bucket_flag_that_is_not_a_bool_is_refused():
    with pytest.raises(ValueError, match="S3_CREATE_BUCKET must be a bool, got 'false'"):
        create_storage({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_CREATE_BUCKET": "false"})


def test_a_service_with_local_files_does_not_import_boto3(tmp_path):
    """boto3 costs a few hundred milliseconds at every process start; only S3 needs it."""
    probe = "import sys, wsgi; print('boto3' in sys.modules, 'storage.s3' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "STORAGE_BACKEND")}
    env.update(DATA_DIR=str(tmp_path / "data"), ENV_FILE="/dev/null", STORAGE_BACKEND="local",
               SECRET_KEY="test-secret-key-that-is-long-enough-for-hs256")
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["False", "False"]
