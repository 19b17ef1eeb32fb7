"""Temporary files that a process killed mid-write leaves beside a stored file (``session.json``
mirrors, stored objects) are found and removed by `flask uploads purge` once stale, never while
a write may still be using them."""

from __future__ import annotations

import os
import time

import pytest


@pytest.fixture
def leftovers(app):
    """A stale and a fresh temporary file beside a stored session.json, and the stored file."""
    storage = app.extensions["storage"]
    if storage.name != "local":
        pytest.skip("object stores write whole objects; only the local backend leaves temporaries")
    stored = storage.root / "facial_recordings" / "s1" / "session.json"
    stored.parent.mkdir(parents=True)
    stored.write_text("{}")
    stale = stored.parent / ".session.json.tmp-0123456789abcdef"
    fresh = stored.parent / ".session.json.tmp-fedcba9876543210"
    look_alike = stored.parent / ".session.json.tmp-notrandom"
    for path in (stale, fresh, look_alike):
        path.write_text("partial")
    old = time.time() - app.config["UPLOAD_TTL"] - 60
    os.utime(stale, (old, old))
    os.utime(look_alike, (old, old))
    return stored, stale, fresh, look_alike


def test_purge_removes_stale_temporaries_only(runner, leftovers):
    stored, stale, fresh, look_alike = leftovers
    dry = runner.invoke(args=["uploads", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would be removed {stale}" in dry.output
    assert "1 temporary file(s) of interrupted writes would be removed" in dry.output
    assert stale.exists()

    done = runner.invoke(args=["uploads", "purge"])
    assert done.exit_code == 0, done.output
    assert "1 temporary file(s) of interrupted writes removed" in done.output
    assert not stale.exists()
    assert fresh.exists() and look_alike.exists() and stored.read_text() == "{}"
