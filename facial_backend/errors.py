"""One JSON error shape for every status and route: ``{error, code, detail, fields?}``.

``error`` is a sentence for people, ``code`` a stable machine word, ``detail`` what the
FastAPI-based origin clients read (the same sentence, or for validation errors FastAPI's
list of ``{loc, msg, type}``), ``fields`` maps each invalid field to its reasons.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify
from werkzeug.exceptions import HTTPException

from storage import StorageUnavailable

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 410: "gone", 411: "length_required",
    413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
    429: "too_many_requests", 500: "internal_error", 503: "unavailable",
}


class ApiError(Exception):
    """An error a route answers with; raised anywhere below a blueprint."""

    def __init__(self, status: int, code: str, message: str, *, fields: dict | None = None,
                 detail: Any = None, headers: dict | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class NotFound(ApiError):
    def __init__(self, message: str, code: str = "not_found", **kwargs: Any):
        super().__init__(404, code, message, **kwargs)


class Conflict(ApiError):
    def __init__(self, message: str, code: str = "conflict", **kwargs: Any):
        super().__init__(409, code, message, **kwargs)


class BadRequest(ApiError):
    def __init__(self, message: str, code: str = "bad_request", **kwargs: Any):
        super().__init__(400, code, message, **kwargs)


def validation_error(fields: dict[str, Any], *, status: int = 422, location: str = "body",
                     code: str = "validation_error") -> ApiError:
    """An error naming every invalid field and why (marshmallow's message dict)."""
    flat = _flatten(fields)
    sentence = "; ".join(f"{name}: {' '.join(reasons)}" for name, reasons in flat.items())
    detail = [{"loc": [location, *name.split(".")], "msg": " ".join(reasons), "type": "value_error"}
              for name, reasons in flat.items()]
    return ApiError(status, code, f"Invalid {location}: {sentence}", fields=flat, detail=detail)


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, dict):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
        return out
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    return {prefix or "_schema": [str(messages)]}


def error_response(status: int, code: str, message: str, *, fields: dict | None = None,
                   detail: Any = None, headers: dict | None = None, **extra: Any):
    body: dict[str, Any] = {"error": message, "code": code,
                            "detail": message if detail is None else detail}
    if fields:
        body["fields"] = fields
    body.update(extra)
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        return error_response(error.status, error.code, error.message, fields=error.fields,
                              detail=error.detail, headers=error.headers, **error.extra)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        message = _http_message(error)
        headers = {}
        if status == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return error_response(status, _CODES.get(status, "http_error"), message, headers=headers)

    @app.errorhandler(StorageUnavailable)
    def handle_storage_unavailable(error: StorageUnavailable):
        log.warning("storage unavailable: %s", error)
        return error_response(503, "storage_unavailable",
                              "The file store is unavailable right now; try again shortly.",
                              headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error",
                              "Internal server error; the request id identifies it in the logs.")


def _http_message(error: HTTPException) -> str:
    if error.code == 404:
        return "Not Found"
    if error.code == 405:
        return "Method Not Allowed"
    if error.code == 413:
        return "Request body too large"
    return error.name if error.code and error.code >= 500 else (error.description or error.name)
