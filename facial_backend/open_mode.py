"""Open mode (AUTH_REQUIRED=false) is for origin clients on a trusted network: when it is
reachable from elsewhere, the service says so loudly, once at start-up for a public
PUBLIC_BASE_URL and once per process for the first request that arrives on a non-loopback
address."""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, request

log = logging.getLogger(__name__)
WARNING = ("OPEN MODE: AUTH_REQUIRED=false and the service is reachable at %s: anyone who can reach "
           "it may register as any live client and read signaling. Set AUTH_REQUIRED=true for production.")


def is_loopback(host: str | None) -> bool:
    if not host:
        return True
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def init_app(app: Flask) -> None:
    if app.config["AUTH_REQUIRED"]:
        return
    public_url = app.config["PUBLIC_BASE_URL"]
    if public_url and not is_loopback(urlsplit(public_url).hostname):
        log.warning(WARNING, public_url)
    app.extensions["open_mode_warned"] = False
    app.before_request(_warn_once_if_reached_from_outside)


def _warn_once_if_reached_from_outside() -> None:
    if current_app.extensions["open_mode_warned"]:
        return
    connection = request.environ.get("gunicorn.socket")
    if connection is None:
        return
    local_address = connection.getsockname()[0]
    if not is_loopback(local_address):
        current_app.extensions["open_mode_warned"] = True
        log.warning(WARNING, local_address)


def auth_mode(app: Flask) -> str:
    """``open`` or ``required``, as /readyz reports it."""
    return "required" if app.config["AUTH_REQUIRED"] else "open"
