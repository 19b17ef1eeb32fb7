"""Purges show their progress on a terminal (a bar through the steps of ``uploads purge``, a
spinner for ``recordings purge``) and print only their own lines when piped."""

from __future__ import annotations

import os

from tests.terminal import run_on_terminal


def test_purges_show_progress_on_a_terminal(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DATA_DIR": str(tmp_path / "data"),
           "ENV_FILE": str(tmp_path / "none.env"), "TERM": "xterm", "LOG_LEVEL": "warning"}
    run_on_terminal(["db", "upgrade", "heads"], env)
    uploads = run_on_terminal(["uploads", "purge"], env)
    assert "purging uploads" in uploads and "6/6" in uploads, uploads
    assert "0 partial upload(s) expired" in uploads
    recordings = run_on_terminal(["recordings", "purge", "--older-than", "0"], env)
    assert "purging deleted recordings: done in" in recordings, recordings
    assert "0 deleted recording(s) purged" in recordings


def test_purges_print_only_their_lines_when_piped(runner):
    result = runner.invoke(args=["uploads", "purge"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines()[0] == "0 partial upload(s) expired"
