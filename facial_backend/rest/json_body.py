"""The JSON object body of a request, parsed once with orjson, with per-route reading options.

A route may take an empty or non-JSON body as ``{}`` (``allow_empty``), and may name one
top-level string member that can be MiBs long (``lift``): with the performance layer on, its
bytes are cut out before parsing (see ``facial_backend.perf.json_lift``) and handed to the view
as ``bytes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from flask import current_app, g, request

from facial_backend.errors import ApiError
from facial_backend.perf.json_lift import lift_string
from facial_backend.request_body import whole_body


@dataclass(frozen=True)
class BodyOptions:
    """How a route reads its JSON body; ``raw`` hands the view the body as sent, once valid."""

    allow_empty: bool = False
    lift: str | None = None
    raw: bool = False


@dataclass(frozen=True)
class SentBody:
    """The body as sent (a lifted member as ``bytes``) and what the schema validates."""

    sent: dict[str, Any]
    lift: str | None = None

    @property
    def lifted(self) -> bytes | None:
        value = self.sent.get(self.lift) if self.lift else None
        return value if isinstance(value, bytes) else None

    def for_schema(self) -> dict[str, Any]:
        return {**self.sent, self.lift: ""} if self.lifted is not None else self.sent


def use_options(options: BodyOptions) -> None:
    g.json_body_options = options


def current_options() -> BodyOptions:
    return g.get("json_body_options") or BodyOptions()


def read_sent_body() -> SentBody:
    """Parse the request body (once per request) following the route's options."""
    if "json_body" not in g:
        options = current_options()
        g.json_body = SentBody(json_object(whole_body(), request.is_json,
                                           allow_empty=options.allow_empty, lift=options.lift),
                               options.lift)
    return g.json_body


def body_for_view(loaded: dict[str, Any]) -> dict[str, Any]:
    """What the view gets as ``body``: the loaded data, or the body as sent for ``raw`` routes;
    a lifted member comes back as ``bytes``."""
    sent = read_sent_body()
    if current_options().raw:
        return sent.sent
    if sent.lifted is not None:
        loaded[sent.lift] = sent.lifted
    return loaded


def json_object(raw: bytes, is_json: bool, *, allow_empty: bool = False,
                lift: str | None = None) -> dict[str, Any]:
    """The body as a JSON object; ApiError 400 ``body_required`` or ``invalid_json`` otherwise."""
    if not raw.strip():
        if allow_empty:
            return {}
        raise ApiError(400, "body_required", "A JSON object body is required.")
    data = _parse_object(raw, lift)
    if isinstance(data, dict):
        return data
    if allow_empty and not is_json:
        return {}
    if data is None:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.")
    raise ApiError(400, "invalid_json", "The request body must be a JSON object.")


def _parse_object(raw: bytes, lift: str | None) -> Any:
    """orjson (several times faster than json on multi-MiB bodies); ``None`` if invalid."""
    lifted = lift_string(raw, lift) if lift and current_app.config["PERF_LAYER"] else None
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
