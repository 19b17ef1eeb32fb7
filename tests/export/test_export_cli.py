"""``flask sessions export SID --out FILE``: the same zip as the API, written only once
complete, audited as a CLI export."""

from __future__ import annotations

from tests.export.conftest import audit_rows, media_by_source, verified_zip


def test_cli_export_writes_the_zip(app, runner, tmp_path, live_session):
    out = tmp_path / "out" / "live.zip"
    out.parent.mkdir()
    result = runner.invoke(args=["sessions", "export", live_session.session_id, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    archive, manifest = verified_zip(out.read_bytes())
    assert media_by_source(archive, manifest) == live_session.media
    assert sorted(p.name for p in out.parent.iterdir()) == ["live.zip"]
    [row] = audit_rows(app, action="export")
    assert row["channel"] == "cli" and row["actor_username"] is None and row["details"]["operator"]


def test_cli_unknown_session_writes_nothing(app, runner, tmp_path):
    out = tmp_path / "out" / "none.zip"
    out.parent.mkdir()
    result = runner.invoke(args=["sessions", "export", "sess_missing", "--out", str(out), "--quiet"])
    assert result.exit_code == 1 and "Session sess_missing not found" in result.output
    assert list(out.parent.iterdir()) == [] and audit_rows(app) == []
