"""Expired tus uploads are removed by ``flask uploads purge``: unfinished ones past their
``Upload-Expires`` (row and staged bytes), finished ones whose record is older than UPLOAD_TTL
(the video or recording stays), and staged folders that no upload owns."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from facial_backend import blocking_work
from facial_backend.extensions import db
from facial_backend.models.tus import TusUpload
from facial_backend.services.tus import destinations, running_hashes
from facial_backend.services.tus.staging import StagedFileLost, TusStaging, UploadBusy
from facial_backend.timeutil import utcnow


def purge_expired(now=None, *, dry_run: bool = False) -> list[str]:
    """Remove the unfinished uploads past their expiry (one being written to is left for the
    next run) and the records of finished ones older than UPLOAD_TTL; returns the removed ids
    (with ``dry_run``: the ids due, nothing removed)."""
    now = now or utcnow()
    old = now - timedelta(seconds=current_app.config["UPLOAD_TTL"])
    due = db.session.scalars(db.select(TusUpload.id).filter(db.or_(
        db.and_(TusUpload.status == "receiving", TusUpload.expires_at <= now),
        db.and_(TusUpload.status == "complete", TusUpload.updated_at <= old)))).all()
    if dry_run:
        return list(due)
    removed = []
    for upload_id in due:
        staging = _staging(upload_id)
        try:
            with staging.locked():
                if _delete_if_due(upload_id, now, old):
                    removed.append(upload_id)
        except UploadBusy:
            continue
        except StagedFileLost:
            if _delete_if_due(upload_id, now, old):
                removed.append(upload_id)
        if upload_id in removed:
            running_hashes.forget(upload_id)
            staging.remove()
    return removed


def _delete_if_due(upload_id: str, now, old) -> bool:
    upload = db.session.get(TusUpload, upload_id, populate_existing=True)
    due = upload is not None and (upload.expires_at <= now if upload.status == "receiving"
                                  else upload.updated_at <= old)
    if due:
        destinations.release(upload)
        db.session.delete(upload)
    db.session.commit()
    return due


def remove_orphaned_staging(now=None, *, dry_run: bool = False) -> int:
    """Remove (with ``dry_run``: only count) staged folders untouched for UPLOAD_TTL whose upload
    has no row (its creation died before the commit)."""
    cutoff = ((now or utcnow()) - timedelta(seconds=current_app.config["UPLOAD_TTL"])).timestamp()
    known = set(db.session.scalars(db.select(TusUpload.id)))
    removed = 0
    for staging in TusStaging.all_in(current_app.config["DATA_DIR"], blocking_work.current()):
        if staging.folder.name not in known and staging.changed_at() < cutoff:
            if not dry_run:
                staging.remove()
            removed += 1
    return removed


def _staging(upload_id: str) -> TusStaging:
    return TusStaging(current_app.config["DATA_DIR"], upload_id, blocking_work.current())
