"""URL segment converters. The default one matches no control character: a ``%00`` in an id
finds no route (404) instead of reaching the database, which PostgreSQL refuses outright."""

from werkzeug.routing import BaseConverter, PathConverter


class PrintableSegment(BaseConverter):
    """One path segment, as Werkzeug's default converter, without control characters."""

    regex = r"[^/\x00-\x1f\x7f]+"
    part_isolating = True


class PrintablePath(PathConverter):
    """Several segments (``<path:...>``), without control characters."""

    regex = r"[^/\x00-\x1f\x7f][^\x00-\x1f\x7f]*?"
    part_isolating = False


def parameter_schema(converter: BaseConverter) -> dict[str, str]:
    """A path parameter's OpenAPI schema: a string matching the converter's regex."""
    return {"type": "string", "pattern": f"^(?:{converter.regex})$"}


def init_app(app) -> None:
    """Install the converters; before any route is added, as rules compile at registration."""
    app.url_map.converters.update(default=PrintableSegment, string=PrintableSegment,
                                  path=PrintablePath)
