"""What only the local-folder backend does: atomic files, the folder boundary, file names."""

import errno
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from storage import InvalidKey, ObjectNotFound, StorageError
from tests.storage.streams import GeneratedStream, MiB, StreamBroke


@pytest.fixture
def store(local_storage):
    return local_storage


def files_in(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_objects_are_files_under_the_root(store):
    store.put_bytes("sessions/s1/video.webm", b"frames")

    assert (store.root / "sessions/s1/video.webm").read_bytes() == b"frames"
    assert store.local_path("sessions/s1/video.webm") == store.root / "sessions/s1/video.webm"


def test_a_stream_failing_midway_leaves_no_file_and_no_temp_file(store):
    stream = GeneratedStream(3 * MiB, fail_after=int(1.5 * MiB))

    with pytest.raises(StreamBroke):
        store.put_stream("sessions/s1/video.webm", stream)

    assert not (store.root / "sessions/s1/video.webm").exists()
    assert files_in(store.root) == []


def test_a_stream_failing_midway_keeps_the_previous_version(store):
    store.put_bytes("sessions/s1/video.webm", b"complete")

    with pytest.raises(StreamBroke):
        store.put_stream("sessions/s1/video.webm", GeneratedStream(3 * MiB, fail_after=MiB))

    assert store.read_bytes("sessions/s1/video.webm") == b"complete"
    assert files_in(store.root) == ["sessions/s1/video.webm"]


def test_a_failing_disk_raises_storage_error_and_leaves_no_temp_file(store, monkeypatch):
    store.put_bytes("a/b.txt", b"complete")

    def broken_fsync(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(StorageError, match="Input/output error"):
        store.put_bytes("a/b.txt", b"new")

    monkeypatch.undo()
    assert store.read_bytes("a/b.txt") == b"complete"
    assert files_in(store.root) == ["a/b.txt"]


def test_writes_go_to_an_fsynced_temp_file_in_the_same_folder_then_are_renamed(store, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.fstat(fd).st_ino))
        real_fsync(fd)

    def replace(source, target):
        events.append(("replace", Path(source), Path(target), os.stat(source).st_ino))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    store.put_bytes("a/b.txt", b"data")
    monkeypatch.undo()

    [(_, temp, target, temp_inode)] = [event for event in events if event[0] == "replace"]
    assert target == store.root / "a/b.txt"
    assert temp.parent == target.parent
    assert re.fullmatch(r"\.b\.txt\.tmp-[0-9a-f]{16}", temp.name)
    assert events.index(("fsync", temp_inode)) < events.index(("replace", temp, target, temp_inode))
    assert events[-1] == ("fsync", target.parent.stat().st_ino)  # the rename is durable too


def test_temp_names_of_the_longest_names_stay_within_the_file_name_limit(store):
    key = "a/" + "n" * 251 + ".txt"

    store.put_bytes(key, b"x")

    assert store.read_bytes(key) == b"x"


@pytest.fixture
def outside(tmp_path):
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(b"secret")
    return folder


@pytest.mark.parametrize(
    "call",
    [
        lambda store: store.put_bytes("link/new.txt", b"x"),
        lambda store: store.put_bytes("link/secret.txt", b"x"),
        lambda store: store.read_bytes("link/secret.txt"),
        lambda store: store.open("link/secret.txt"),
        lambda store: store.head("link/secret.txt"),
        lambda store: store.delete("link/secret.txt"),
        lambda store: store.local_path("link/secret.txt"),
        lambda store: store.list("link/"),
        lambda store: store.read_bytes("file.txt"),
        lambda store: store.delete("file.txt"),
        lambda store: store.put_bytes("file.txt", b"x"),
    ],
)
def test_symlinks_out_of_the_root_are_refused(store, outside, call):
    (store.root / "link").symlink_to(outside, target_is_directory=True)
    (store.root / "file.txt").symlink_to(outside / "secret.txt")

    with pytest.raises(InvalidKey, match="outside the storage folder"):
        call(store)

    assert files_in(outside) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"secret"


def test_symlinks_within_the_root_are_followed(store):
    store.put_bytes("real/a.txt", b"x")
    (store.root / "alias").symlink_to(store.root / "real", target_is_directory=True)

    assert store.read_bytes("alias/a.txt") == b"x"


def test_list_skips_hidden_files_temp_files_odd_names_and_symlinks(store, outside):
    store.put_bytes("a/b.txt", b"x")
    (store.root / "a/.hidden").write_bytes(b"x")
    (store.root / "a/.b.txt.tmp-0123456789abcdef").write_bytes(b"partial")
    (store.root / ".cache").mkdir()
    (store.root / ".cache/c.txt").write_bytes(b"x")
    (store.root / "a/with space.txt").write_bytes(b"x")
    (store.root / "a/link.txt").symlink_to(outside / "secret.txt")
    (store.root / "linked").symlink_to(outside, target_is_directory=True)

    assert [info.key for info in store.list("")] == ["a/b.txt"]


def test_folders_are_not_objects(store):
    store.put_bytes("a/b/c.txt", b"x")

    assert store.head("a/b") is None
    assert store.delete("a/b") is False
    with pytest.raises(ObjectNotFound):
        store.open("a/b")
    with pytest.raises(ObjectNotFound):
        store.local_path("a/b")


def test_content_types_come_from_the_extension(store):
    assert store.put_bytes("r/a.m4a", b"x").content_type == "audio/mp4"
    assert store.put_bytes("r/a.webm", b"x").content_type == "video/webm"
    assert store.put_bytes("r/a.weba", b"x").content_type == "audio/webm"
    assert store.put_bytes("r/a.wav", b"x").content_type == "audio/wav"
    assert store.put_bytes("r/a.json", b"x", "text/plain").content_type == "application/json"
    assert store.put_bytes("r/noextension", b"x", "text/plain").content_type is None


def test_local_path_of_a_missing_object_raises(store):
    with pytest.raises(ObjectNotFound):
        store.local_path("a/missing.txt")


def test_move_on_the_same_file_system_renames_the_file(store, tmp_path):
    source = tmp_path / "staged.bin"
    source.write_bytes(b"staged")
    inode = source.stat().st_ino

    store.put_file("a/staged.bin", source, move=True)

    assert (store.root / "a/staged.bin").stat().st_ino == inode
    assert not source.exists()


@pytest.mark.parametrize(("synced", "syncs"), [(False, 2), (True, 1)])
def test_a_move_syncs_the_bytes_unless_the_caller_did(store, tmp_path, monkeypatch, synced, syncs):
    source = tmp_path / "staged.bin"
    source.write_bytes(b"staged")
    synced_fds = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced_fds.append(fd) or real_fsync(fd))

    store.put_file("a/staged.bin", source, move=True, synced=synced)

    assert len(synced_fds) == syncs  # the bytes (unless synced), then the folder's new name
    assert store.read_bytes("a/staged.bin") == b"staged"


def test_move_from_another_file_system_copies_then_removes_the_file(store):
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == store.root.stat().st_dev:
        pytest.skip("needs /dev/shm on a file system other than the storage folder's")
    with tempfile.NamedTemporaryFile(dir=shm, delete=False) as staged:
        staged.write(b"staged")
    source = Path(staged.name)

    store.put_file("a/staged.bin", source, move=True)

    assert store.read_bytes("a/staged.bin") == b"staged"
    assert not source.exists()


def test_check_fails_when_the_folder_is_gone(store):
    shutil.rmtree(store.root)

    with pytest.raises(StorageError, match="missing or not writable"):
        store.check()


def test_a_local_folder_reports_no_remote_calls(local_storage):
    reported: list[float] = []
    local_storage.time_remote_calls(reported.append)

    local_storage.put_bytes("timed/a.txt", b"x")
    assert local_storage.head("timed/a.txt") is not None

    assert reported == []
