"""What one test process owns when the suite runs in several (pytest-xdist, ``make test``'s
default): its own PostgreSQL database and its own Redis database numbers. Run alone, the suite
uses the names it is given."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ... under pytest-xdist
INDEX = int(WORKER[2:]) if WORKER.startswith("gw") else 0
REDIS_DB_STRIDE = 4  # the suite's Redis databases are 1 to 4 (3: TEST_REDIS_URL's usual)
REDIS_DATABASES = 16


def redis_url(url: str) -> str:
    """``url`` on this process's own Redis database: the given number moved by a stride per
    worker."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + INDEX * REDIS_DB_STRIDE
    if database >= REDIS_DATABASES:
        raise RuntimeError(f"{url}: worker {WORKER} would need Redis database {database}; "
                           "run the suite with fewer workers")
    return urlunsplit(parts._replace(path=f"/{database}"))


def database_url(url: str) -> str:
    """A PostgreSQL URL turned into this worker's own database on the same server (created, from
    the server's ``postgres`` database, when missing); any other URL as it is."""
    parts = urlsplit(url)
    if not WORKER or not parts.scheme.startswith("postgres"):
        return url
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{WORKER}"
    libpq = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


def given_redis_url() -> str | None:
    """TEST_REDIS_URL (the Redis database the caller gave the suite), on this process's own
    number; None when it was not given."""
    url = os.environ.get("TEST_REDIS_URL")
    return redis_url(url) if url else None
