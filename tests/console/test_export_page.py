"""The console's export button: operators and admins download the session's zip (every file's
SHA-256 in the manifest holds, the export is audited); other roles see no button and get 403."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from facial_backend.services.shared import audit


def verify_manifest(data: bytes) -> dict:
    """Every file the manifest lists is in the zip with its size and SHA-256; returns the manifest."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            content = archive.read(entry["path"])
            assert len(content) == entry["size"] and hashlib.sha256(content).hexdigest() == entry["sha256"], entry
        assert set(archive.namelist()) == {e["path"] for e in manifest["files"]} | {"manifest.json"}
    return manifest


def test_operator_exports_a_session(client, app, world, sign_in):
    sign_in("operator1")
    page = client.get(f"/console/sessions/{world['testbed']}")
    assert f'href="/console/sessions/{world["testbed"]}/export.zip" download>Export this session (zip)' in page.text
    response = client.get(f"/console/sessions/{world['testbed']}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    manifest = verify_manifest(response.data)
    assert any(entry["path"].startswith("notes") for entry in manifest["files"])
    with app.app_context():
        [event] = audit.list_events(action="export")
        assert (event.channel, event.actor_username, event.session_id) == ("console", "operator1", world["testbed"])


def test_other_roles_cannot_export(client, world, sign_in):
    sign_in("evaluator1")
    page = client.get(f"/console/sessions/{world['live']}")
    assert "export.zip" not in page.text
    refused = client.get(f"/console/sessions/{world['live']}/export.zip")
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert client.get(f"/console/sessions/{world['testbed']}/export.zip").status_code == 404
