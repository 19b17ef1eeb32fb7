"""Gunicorn entry point: ``gunicorn -k gevent -w 1 wsgi:app``."""

from facial_backend import create_app, perf

app = create_app()
perf.serving(app)
