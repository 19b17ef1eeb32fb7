"""Console pages: server time of the sessions table at 10,000 sessions and of a 500-item timeline.

Seeds the service's database directly (10,000 sessions of every kind, 100,000 notes,
1,000,000 telemetry points; ``--quick``: a tenth), signs an admin in through the form, then
asks, one request at a time, for table pages (first, deep, last, filtered, searched, sorted)
and for a session page of 500 items. The server time is the ``total`` of the Server-Timing
header. Targets: table p99 under 50 ms, session page p99 under 100 ms. Needs the service's
DATABASE_URL/DATA_DIR (a service started by the runner, or ``--data-dir``/``--env``).
"""

from __future__ import annotations

import re
import time

import requests

from bench import stats
from bench.scenarios._console_seed import seed
from bench.scenarios._testbed import database_kind

ADMIN = ("bench-admin", "bench-admin-password")
ROUNDS, QUICK_ROUNDS = 40, 10
DEADLINE_S = 600.0
TIMEOUT_S = 30.0


def _app(ctx):
    from facial_backend import create_app
    settings = dict(ctx.env)
    if ctx.data_dir is not None:
        settings.setdefault("DATA_DIR", str(ctx.data_dir))
    return create_app({**settings, "REDIS_URL": settings.get("REDIS_URL")})


def _sign_in(base_url: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base_url}/console/sign-in", timeout=TIMEOUT_S)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    done = http.post(f"{base_url}/console/sign-in", timeout=TIMEOUT_S, allow_redirects=False,
                     data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token})
    if done.status_code != 302:
        raise RuntimeError(f"console sign-in failed: {done.status_code}")
    return http


def _server_ms(response: requests.Response) -> float | None:
    for part in response.headers.get("Server-Timing", "").split(","):
        name, _, duration = part.strip().partition(";dur=")
        if name == "total":
            return float(duration)
    return None


def _measure(http, url: str, rounds: int, deadline: float) -> dict:
    server, client = [], []
    for _ in range(rounds):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        response = http.get(url, timeout=TIMEOUT_S)
        client.append(stats.ms(time.perf_counter() - started))
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
        server.append(_server_ms(response))
    return {"server": [s for s in server if s is not None], "client": client}


def run(ctx) -> dict:
    scale = 10 if ctx.quick else 1
    app = _app(ctx)
    with app.app_context():
        from facial_backend.services.shared.users import create_user
        create_user(*ADMIN, "admin")
        started = time.perf_counter()
        ids = seed(10_000 // scale, 100_000 // scale, 1_000_000 // scale)
        ctx.log(f"seeded in {time.perf_counter() - started:.1f} s")
    http = _sign_in(ctx.base_url)
    base = f"{ctx.base_url}/console/sessions"
    last = (10_000 // scale + 1 + 24) // 25
    table_urls = {
        "first page": base, "middle page": f"{base}?page={last // 2}", "last page": f"{base}?page={last}",
        "kind=testbed, sort person": f"{base}?kind=testbed&sort=person&order=asc",
        "status + dates": f"{base}?status=ended&date_from=2025-03-01&date_to=2025-06-30",
        "person": f"{base}?person=evaluator3", "search": f"{base}?q=participant+12",
        "100 rows": f"{base}?per_page=100&page=3",
    }
    rounds = QUICK_ROUNDS if ctx.quick else ROUNDS
    deadline = time.monotonic() + DEADLINE_S
    for url in [*table_urls.values(), f"{base}/{ids['big']}"]:
        http.get(url, timeout=TIMEOUT_S)  # warm-up
    rows, table_server = [], []
    for name, url in table_urls.items():
        found = _measure(http, url, rounds, deadline)
        table_server += found["server"]
        rows.append(_row(name, found))
    big = _measure(http, f"{base}/{ids['big']}", rounds * 4, deadline)
    rows.append(_row("session page, 500 items", big))
    table_p99, big_p99 = stats.p99(table_server), stats.p99(big["server"])
    kind = database_kind(ctx)
    return {
        "database": kind,
        "tables": {"pages (server time from Server-Timing, ms)": rows},
        "targets": [
            stats.target(f"sessions table p99 ms on {kind}", table_p99, "< 50", stats.below(table_p99, 50)),
            stats.target(f"500-item session page p99 ms on {kind}", big_p99, "< 100", stats.below(big_p99, 100)),
        ],
        "notes": ["--quick: 1,000 sessions only"] if ctx.quick else [],
    }


def _row(name: str, found: dict) -> dict:
    return {"page": name, "n": len(found["server"]), "server p50": stats.p50(found["server"]),
            "server p99": stats.p99(found["server"]), "client p99": stats.p99(found["client"])}
