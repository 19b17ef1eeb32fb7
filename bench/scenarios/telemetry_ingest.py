"""Testbed telemetry ingestion: 1 million points in batches of 1,000 (points/s).

A fresh testbed session gets ``POST /api/sessions/<sid>/telemetry/batch`` requests of 1,000
points each (10 channels, one point a millisecond) from 4 client threads, 1,000,000 points in
all (``--quick``: 50,000); the run stops at 10 minutes whatever happened. Targets: 50,000
points/s on PostgreSQL, 20,000 on SQLite (the database is the service's ``DATABASE_URL``: run
once as is and once with ``--env DATABASE_URL=postgresql://...``). Afterwards the session is
marked complete (description ``complete <n>``) so ``telemetry_query`` can reuse it.
"""

from __future__ import annotations

import requests

from bench import stats
from bench.scenarios._testbed import create_session, database_kind, ingest

TOTAL = 1_000_000
QUICK_TOTAL = 50_000
THREADS = 4
DEADLINE_S = 600.0
GOALS = {"postgresql": 50_000, "sqlite": 20_000}


def run(ctx) -> dict:
    total = QUICK_TOTAL if ctx.quick else TOTAL
    http = requests.Session()
    session_id = create_session(http, ctx.base_url, f"bench-telemetry-{total}")
    ctx.log(f"ingesting {total:,} points into {session_id} from {THREADS} threads")
    result = ingest(ctx.base_url, session_id, total, THREADS, DEADLINE_S)
    if result["errors"]:
        raise RuntimeError(f"ingestion failed: {result['errors'][0]}")
    rate = result["stored"] / result["seconds"] if result["seconds"] else None
    if result["complete"]:
        http.patch(f"{ctx.base_url}/api/sessions/{session_id}",
                   json={"description": f"complete {total}"}, timeout=60).raise_for_status()
    kind = database_kind(ctx)
    latencies = [stats.ms(x) for x in result["latencies"]]
    return {
        "database": kind,
        "session_id": session_id,
        "tables": {"ingestion": [{
            "points": result["stored"], "seconds": round(result["seconds"], 2),
            "points/s": rate, "batch p50 ms": stats.p50(latencies),
            "batch p99 ms": stats.p99(latencies), "complete": result["complete"]}]},
        "targets": [stats.target(f"points/s on {kind}", rate, f">= {GOALS[kind]:,}",
                                 stats.at_least(rate, GOALS[kind]))],
        "notes": ([] if result["complete"] else ["stopped at the deadline before all points were stored"])
        + (["--quick: 50,000 points only"] if ctx.quick else []),
    }
