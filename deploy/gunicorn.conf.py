"""gunicorn settings of the service: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

One gevent worker per process (more processes share state through Redis); binds HOST:PORT;
trusts X-Forwarded-* only from FORWARDED_ALLOW_IPS; a control socket only where
GUNICORN_CONTROL_SOCKET names one (a path per instance), none otherwise; gunicorn's own lines
are JSON through the service's formatter; the access log is the app's own (one JSON line per
request with its request id and timings, the same formatter), so gunicorn's is kept quiet.
"""

from gevent import monkey

monkey.patch_all()  # before the service's modules load in the master, as the gevent worker needs

import os  # noqa: E402
import time  # noqa: E402

from facial_backend.logs import JsonFormatter  # noqa: E402

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_class = "gevent"
workers = 1
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

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
