"""Prometheus scrape endpoint; closed unless the scraper shows METRICS_TOKEN or an operator token."""

import hmac

from flask import Response, current_app

from facial_backend import metrics
from facial_backend.auth import authenticate_request, bearer_token, check_role, unauthorized
from facial_backend.rest import Blueprint

bp = Blueprint("metrics", __name__, description="Prometheus metrics")
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@bp.get("/metrics")
@bp.doc(security=[{"bearer": []}],
        responses={200: {"description": f"Metrics in Prometheus' text format ({PROMETHEUS_TEXT})",
                         "content": {"text/plain": {"schema": {"type": "string"}}}}})
@bp.errors((401, "No token, or neither METRICS_TOKEN nor a valid account token"),
           (403, "The account is neither operator nor admin"))
def scrape():
    """Prometheus metrics of every process (bearer METRICS_TOKEN, or an operator/admin token)"""
    _allow_scrape()
    return Response(metrics.render(current_app), content_type=PROMETHEUS_TEXT)


def _allow_scrape() -> None:
    token = bearer_token()
    if token is None:
        raise unauthorized("Metrics need a bearer token: METRICS_TOKEN or an operator's token")
    scrape_token = current_app.config["METRICS_TOKEN"]
    if scrape_token and hmac.compare_digest(token.encode(), scrape_token.encode()):
        return
    check_role(authenticate_request(token), ("operator",))
