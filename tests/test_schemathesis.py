"""Every operation of /openapi.json, driven with generated requests (schemathesis, a few seeded
examples each, as an admin and without a token; each request once as generated and once with
the ids of real objects in its path): no answer is a 5xx, every status answered is listed on
the operation (the catch-all ``default`` entry does not count) and every documented answer
matches its schema.

The run ends by printing its totals: operations, generated examples, requests sent and the
statuses answered.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.config import SchemathesisConfig

from tests.schemathesis_world import Accounts, bearer, family, make_world

EXAMPLES_PER_OPERATION = 4
# valid and invalid requests, seeded; no coverage phase (its boundary cases are unbounded in
# number per operation), no stateful phase
CONFIG = SchemathesisConfig.from_dict({
    "seed": 20261206,
    "generation": {"max-examples": EXAMPLES_PER_OPERATION, "mode": "all", "deterministic": True,
                   "database": "none"},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    # the face-quality check is documented to answer 501 always: no model runs on this server
    "operations": [{"include-path": "/api/quality/check",
                    "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "501"]}}}],
})


# tus bodies are raw bytes
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


@schemathesis.check
def status_listed_on_operation(ctx, response, case) -> None:
    """The answer's status is one the operation lists itself (``404`` or ``4XX``), not only
    covered by ``default``."""
    listed = {str(code).upper() for code in case.operation.responses.status_codes}
    status = response.status_code
    if str(status) not in listed and f"{status // 100}XX" not in listed:
        raise AssertionError(f"{case.operation.label} answered {status}; it lists {sorted(listed)}")


CHECKS = [not_a_server_error, status_code_conformance, status_listed_on_operation,
          response_schema_conformance]


@pytest.fixture
def accounts(app, make_user) -> Accounts:
    app.config["STT_ENGINE"] = "fake"
    make_user("cli", "client")
    return Accounts(admin=make_user("ada", "admin")[1], evaluator=make_user("eva", "evaluator")[1],
                    recorder=make_user("rita", "recorder")[1])


@pytest.fixture
def run_totals(capsys):
    """Counts of the whole run (one test holds every operation), printed at its end."""
    totals = {"operations": set(), "examples": 0, "statuses": Counter()}
    yield totals
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(totals["statuses"].items()))
    with capsys.disabled():
        print(f"\nschemathesis: {len(totals['operations'])} operations, {totals['examples']} generated "
              f"examples, {totals['statuses'].total()} requests; statuses {statuses}")


@pytest.fixture
def api_schema(app, accounts):
    return schemathesis.openapi.from_wsgi("/openapi.json", app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_operation(case, accounts, client, run_totals):
    run_totals["operations"].add(case.operation.label)
    run_totals["examples"] += 1
    generated = dict(case.path_parameters or {})
    variants = [generated]
    if generated:
        real = make_world(client, accounts)[family(case.path)]
        variants.append({name: real.get(name, value) for name, value in generated.items()})
    for path_parameters in variants:
        case.path_parameters = path_parameters
        for headers in (bearer(accounts.admin), {}):
            run_totals["statuses"][_send_and_check(client, case, headers)] += 1


def _send_and_check(client, case, headers: dict[str, str]) -> int:
    """Through the app's test client, which closes each answer (file downloads included)."""
    with client.open(**case.as_transport_kwargs(headers=headers)) as response:
        case.validate_response(response, checks=CHECKS)
        return response.status_code
