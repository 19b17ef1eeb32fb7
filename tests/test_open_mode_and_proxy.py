"""Open mode is never silent: /readyz reports it and a start-up line warns when the service is
public; behind trusted proxies the client's own address reaches the logs and throttling."""

from __future__ import annotations

import contextlib
import logging


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _records_of(name: str):
    """Records of one logger (the app replaces the root logger's handlers, so caplog misses them)."""
    logger, handler = logging.getLogger(name), _Records()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_readyz_reports_the_auth_mode(make_app):
    assert make_app().test_client().get("/readyz").json["auth"] == "open"
    closed = make_app(AUTH_REQUIRED="true").test_client().get("/readyz")
    assert closed.json["auth"] == "required"


def test_public_base_url_in_open_mode_warns_at_start(make_app):
    with _records_of("facial_backend.open_mode") as records:
        make_app(PUBLIC_BASE_URL="https://sessions.example.org")
    assert [r.levelname for r in records if "OPEN MODE" in r.getMessage()] == ["WARNING"]
    with _records_of("facial_backend.open_mode") as records:
        make_app(PUBLIC_BASE_URL="http://127.0.0.1:5000")
        make_app(PUBLIC_BASE_URL="https://sessions.example.org", AUTH_REQUIRED="true")
    assert records == []


def test_trusted_proxy_hops_give_the_client_address(make_app):
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    behind_proxy, direct = make_app(TRUSTED_PROXY_HOPS="1"), make_app()
    with _records_of("facial_backend.access") as records:
        behind_proxy.test_client().get("/livez", headers=forwarded)
        direct.test_client().get("/livez", headers=forwarded)
    assert [record.__dict__["remote"] for record in records] == ["203.0.113.9", "127.0.0.1"]
