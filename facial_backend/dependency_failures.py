"""Failures of the parts the service depends on, answered as JSON the client can act on:
a database that cannot be reached answers 503 ``database_unavailable``, a full disk 507
``insufficient_storage``; and the end of a request never turns a dead connection into a 500."""

from __future__ import annotations

import errno
import logging

from flask import Flask
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from facial_backend.errors import error_response
from facial_backend.extensions import db

log = logging.getLogger(__name__)
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
RETRY_AFTER = {"Retry-After": "5"}


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.register_error_handler(DBAPIError, _lost_connection_or_unexpected)
    app.register_error_handler(OSError, _disk_full_or_unexpected)
    app.teardown_request(_end_database_session)


def _database_unavailable(error: SQLAlchemyError):
    log.warning("database unavailable: %s", error)
    return error_response(503, "database_unavailable",
                          "The database is unavailable right now; try again shortly.", headers=RETRY_AFTER)


def _lost_connection_or_unexpected(error: DBAPIError):
    if error.connection_invalidated:
        return _database_unavailable(error)
    raise error


def _disk_full_or_unexpected(error: OSError):
    if error.errno in DISK_FULL:
        log.error("disk full: %s", error)
        return error_response(507, "insufficient_storage",
                              "The server's disk is full; nothing was stored. Try again later.")
    raise error


def _end_database_session(_error: BaseException | None) -> None:
    """Give the connection back before Flask-SQLAlchemy's own teardown does: a rollback on a
    connection the server already closed is logged and dropped, instead of escaping as the
    WSGI server's own (HTML) error page after the answer was made."""
    try:
        db.session.remove()
    except SQLAlchemyError as exc:
        log.warning("database session could not be closed cleanly: %s", exc)
        db.session.registry.clear()
