"""Route decorators that validate input with marshmallow and describe the route for OpenAPI.

``@body(Schema)``, ``@query(Schema)`` and ``@form(Schema)`` parse and validate, then pass the
loaded data to the view as ``body=``, ``query=`` or ``form=``; ``@doc(...)`` adds a summary,
tags and response schemas. ``facial_backend.openapi`` reads what they record.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import orjson
from flask import current_app, request
from marshmallow import Schema, ValidationError

from facial_backend.errors import ApiError, validation_error
from facial_backend.perf.json_lift import lift_string
from facial_backend.request_body import whole_body

APIDOC_ATTR = "__apidoc__"
# Room for the multipart envelope and form fields around a file part of a known maximum size.
MULTIPART_OVERHEAD = 64 * 1024


def route_meta(view: Callable) -> dict[str, Any]:
    if not hasattr(view, APIDOC_ATTR):
        setattr(view, APIDOC_ATTR, {"params": [], "responses": {}})
    return getattr(view, APIDOC_ATTR)


def _wrap(view: Callable) -> Callable:
    """Keep the OpenAPI record on the outermost wrapper."""
    meta = route_meta(view)

    def decorate(wrapper: Callable) -> Callable:
        functools.update_wrapper(wrapper, view)
        setattr(wrapper, APIDOC_ATTR, meta)
        return wrapper
    return decorate


def load(schema: Schema, data: Any, *, status: int = 422, location: str = "body") -> Any:
    """Validate ``data`` with ``schema``; an ApiError names every bad field."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise validation_error(exc.messages if isinstance(exc.messages, dict)
                               else {"_schema": exc.messages},
                               status=status, location=location) from None


def json_object(*, allow_empty: bool = False, lift: str | None = None) -> dict[str, Any]:
    """The request's JSON object body. ``allow_empty`` takes a missing/non-JSON body as ``{}``.
    ``lift`` names a top-level string member that may be MiBs long: when its value is plain
    (see ``json_lift``) and the performance layer is on, it comes back as ``bytes``, not
    decoded as JSON."""
    raw = whole_body()
    if not raw.strip():
        if allow_empty:
            return {}
        raise ApiError(400, "body_required", "A JSON object body is required.")
    data = _parse_object(raw, lift if current_app.config["PERF_LAYER"] else None)
    if isinstance(data, dict):
        return data
    if allow_empty and not request.is_json:
        return {}
    if data is None:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.")
    raise ApiError(400, "invalid_json", "The request body must be a JSON object.")


def _parse_object(raw: bytes, lift: str | None) -> Any:
    """orjson (several times faster than json on multi-MiB bodies); ``None`` if invalid."""
    lifted = lift_string(raw, lift) if lift else None
    if lifted is not None:
        rest, value = lifted
        try:
            data = orjson.loads(rest)
        except orjson.JSONDecodeError:
            data = None
        if isinstance(data, dict) and data.get(lift) == "":
            data[lift] = value
            return data
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def body(schema: Schema | type[Schema], *, status: int = 422, allow_empty: bool = False,
         raw: bool = False, lift: str | None = None):
    """``raw=True`` validates, then passes the body as sent (every field kept, no conversion).
    ``lift``: a string field that may be MiBs long; the view may get it as ``bytes``, which
    the schema does not see (see ``json_object``)."""
    schema_obj = schema() if isinstance(schema, type) else schema

    def decorator(view: Callable) -> Callable:
        route_meta(view)["body"] = schema_obj

        @_wrap(view)
        def wrapper(*args, **kwargs):
            data = json_object(allow_empty=allow_empty, lift=lift)
            lifted = data.get(lift) if lift else None
            if isinstance(lifted, bytes):
                loaded = load(schema_obj, {**data, lift: ""}, status=status, location="body")
                loaded[lift] = lifted
            else:
                loaded = load(schema_obj, data, status=status, location="body")
            kwargs["body"] = data if raw else loaded
            return view(*args, **kwargs)
        return wrapper
    return decorator


def query(schema: Schema | type[Schema], *, status: int = 422):
    schema_obj = schema() if isinstance(schema, type) else schema

    def decorator(view: Callable) -> Callable:
        route_meta(view)["query"] = schema_obj

        @_wrap(view)
        def wrapper(*args, **kwargs):
            data = {key: request.args.get(key) for key in request.args}
            kwargs["query"] = load(schema_obj, data, status=status, location="query")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def form(schema: Schema | type[Schema], *, status: int = 400, files: dict[str, str] | None = None):
    """Multipart/urlencoded fields; ``files`` names file parts for the docs (name -> description)."""
    schema_obj = schema() if isinstance(schema, type) else schema

    def decorator(view: Callable) -> Callable:
        meta = route_meta(view)
        meta["form"] = schema_obj
        meta["files"] = files or {}

        @_wrap(view)
        def wrapper(*args, **kwargs):
            data = {key: request.form.get(key) for key in request.form}
            kwargs["form"] = load(schema_obj, data, status=status, location="form")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def doc(summary: str, *, tags: list[str] | None = None, responses: dict[int, Any] | None = None,
        auth: str | None = None, description: str | None = None):
    """Describe a route. ``responses`` maps status -> Schema, Schema(many=True) or a sentence;
    ``auth`` is "required", "optional" (open unless AUTH_REQUIRED) or None."""
    def decorator(view: Callable) -> Callable:
        meta = route_meta(view)
        meta.update(summary=summary, tags=tags or [], description=description)
        if auth:
            meta["auth"] = auth
        meta["responses"].update(responses or {})
        return view
    return decorator


def max_body(limit: int | Callable[[], int]):
    """Raise or lower the body size limit for one route (a number or a callable read per request).

    Place it above ``@body``/``@form`` so the limit is set before the body is read."""
    def decorator(view: Callable) -> Callable:
        @_wrap(view)
        def wrapper(*args, **kwargs):
            request.max_content_length = limit() if callable(limit) else limit
            return view(*args, **kwargs)
        return wrapper
    return decorator
