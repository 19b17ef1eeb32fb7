"""gunicorn settings of the service: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

One gevent worker per process (more processes share state through Redis); binds HOST:PORT;
trusts X-Forwarded-* only from FORWARDED_ALLOW_IPS; a control socket only where
GUNICORN_CONTROL_SOCKET names one (a path per instance), none otherwise; gunicorn's own lines
are JSON through the service's formatter; the access log is the app's own (one JSON line per
request with its request id and timings, the same formatter), so gunicorn's is kept quiet.

Connection slots: every open WebSocket (or pending long poll) holds one of the gevent worker's
``worker_connections``; it is SOCKET_MAX_CONNECTIONS (the sockets the service admits) plus
HTTP_CONNECTION_SLOTS (kept for HTTP), read from the same settings as the app, and the
open-file limit is raised to fit them. A smaller --worker-connections is refused at start.
"""

from gevent import monkey

monkey.patch_all()  # before the service's modules load in the master, as the gevent worker needs

import os  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

from facial_backend.config import load_settings, read_env_files  # noqa: E402
from facial_backend.logs import JsonFormatter  # noqa: E402

FILES_BESIDE_CONNECTIONS = 256  # database, log and data files of one worker


def _settings() -> dict:
    """The app's own settings (the environment, then the files ENV_FILE names)."""
    environ = dict(os.environ)
    read_env_files(environ)
    return load_settings(environ)


_SETTINGS = _settings()
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_class = "gevent"
workers = 1
_socket_budget = _SETTINGS["SOCKET_MAX_CONNECTIONS"]
worker_connections = _socket_budget + _SETTINGS["HTTP_CONNECTION_SLOTS"]
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def on_starting(server) -> None:
    """Refuse a worker_connections that leaves HTTP no slot; raise the open-file limit to fit."""
    connections = server.cfg.worker_connections
    if connections <= _socket_budget:
        raise RuntimeError(f"worker_connections ({connections}) must exceed SOCKET_MAX_CONNECTIONS "
                           f"({_socket_budget}): HTTP needs free slots")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + FILES_BESIDE_CONNECTIONS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        if raised < wanted:
            server.log.warning("open-file limit %s is below the %s connections need", raised, wanted)


def utc_json_formatter() -> JsonFormatter:
    formatter = JsonFormatter()
    formatter.converter = time.gmtime
    return formatter


logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": utc_json_formatter}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
