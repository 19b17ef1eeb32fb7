"""Errors on console pages are pages, never JSON: status, a sentence, the invalid fields and
the request id. Unknown console paths get the same 404 page."""

from __future__ import annotations

import logging

from flask import g, render_template
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from facial_backend.console.blueprint import bp
from facial_backend.console.page_answers import console_answers
from facial_backend.errors import ApiError
from storage import StorageError

log = logging.getLogger(__name__)
TITLES = {400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 413: "Too large", 422: "Invalid input",
          500: "Something went wrong", 503: "Unavailable"}


def form_error(form: FlaskForm) -> ApiError:
    """400 naming every invalid field of ``form`` by its label, with the reasons."""
    fields = {str(form[name].label.text): list(reasons) for name, reasons in form.errors.items()}
    return ApiError(400, "invalid_filter", "Some values are not valid.", fields=fields)


@bp.errorhandler(Exception)
def console_error(error: Exception):
    if isinstance(error, CSRFError):
        return _page(400, "The form's security token is missing or wrong. Reload the page and try again.")
    if isinstance(error, ApiError):
        return _page(error.status, error.message, error.fields, last_page=error.extra.get("last_page"))
    if isinstance(error, HTTPException):
        return _page(error.code or 500, error.description or error.name)
    if isinstance(error, StorageError):
        log.warning("storage unavailable: %s", error)
        return _page(503, "The file store is unavailable right now; try again shortly.")
    log.exception("unhandled error on a console page")
    return _page(500, "The page could not be shown. The request id below identifies the error in the logs.")


def _page(status: int, message: str, fields: dict | None = None, **extra):
    return render_template("console/error.html", status=status, title=TITLES.get(status, "Error"),
                           message=message, fields=fields or {}, request_id=g.get("request_id"),
                           **extra), status


class AnyRest(PathConverter):
    """The rest of a console path, whatever it holds (ids with control characters included),
    so that no console address falls through to the API's JSON 404."""

    regex = r".*"
    part_isolating = False


@bp.route("/<console_rest:_unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@console_answers({}, signed_in=False, form=True)
def not_found(_unknown: str):
    """Console: any other path under /console answers the console's 404 page"""
    return _page(404, "There is no console page at this address.")
