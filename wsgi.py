"""Gunicorn entry point: ``gunicorn -k gevent -w 1 wsgi:app``."""

from facial_backend import create_app
from facial_backend.perf.malloc_tuning import keep_large_blocks_in_heap

keep_large_blocks_in_heap()
app = create_app()
