"""/metrics: closed by default, Prometheus text with request, upload and state metrics, and in
multiprocess mode one scrape of any process sums what every process counted."""

from __future__ import annotations

import re

import requests

from tests.recording_app_client import create_session, post_chunk

SCRAPE_TOKEN = "scrape-token-for-tests-0123456789"


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample line, or 0 when absent."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_are_closed_to_anonymous_and_wrong_tokens(client, make_user):
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.json["code"] == "unauthorized"
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    _, recorder = make_user("rita", "recorder")
    forbidden = client.get("/metrics", headers={"Authorization": f"Bearer {recorder}"})
    assert forbidden.status_code == 403
    assert forbidden.json["code"] == "forbidden"


def test_operator_token_reads_requests_and_state(client, make_user):
    _, operator = make_user("olga", "operator")
    assert client.get("/health").status_code == 200
    assert client.get("/no/such/path").status_code == 404
    session_id = create_session(client)
    assert post_chunk(client, session_id, "v1", 0, 2, b"first half").status_code == 200
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {operator}"})
    assert scraped.status_code == 200
    assert scraped.content_type.startswith("text/plain; version=0.0.4")
    text = scraped.get_data(as_text=True)
    assert _sample(text, "http_requests_total", route="/health", status="200", method="GET") >= 1
    assert _sample(text, "http_requests_total", route="unmatched", status="404") >= 1
    assert _sample(text, "sessions", kind="recording", status="created") == 1
    assert "http_request_duration_seconds_bucket" in text
    assert "stt_jobs" in text and "live_sockets" in text
    assert _sample(text, "uploads", kind="video", status="receiving") == 1


def test_scrape_token_from_settings(make_app):
    app = make_app(METRICS_TOKEN=SCRAPE_TOKEN)
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
    assert response.status_code == 200
    assert "http_requests_total" in response.get_data(as_text=True)


def test_multiprocess_scrape_sums_every_process(live_server_factory, tmp_path):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(shared), "METRICS_TOKEN": SCRAPE_TOKEN}
    first, second = live_server_factory(env), live_server_factory(env)
    for server, count in ((first, 3), (second, 5)):
        for _ in range(count):
            assert requests.get(server.base_url + "/livez", timeout=10).status_code == 200
    scraped = requests.get(first.base_url + "/metrics", timeout=10,
                           headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
    assert scraped.status_code == 200
    # 3 + 5 requests, plus each server's readiness probe
    assert _sample(scraped.text, "http_requests_total", route="/livez", status="200") == 3 + 5 + 2


def test_transcription_jobs_are_timed_by_outcome(app, client, make_user, run_stt_jobs):
    from facial_backend.extensions import get_storage
    from facial_backend.stt import jobs as stt_jobs
    from facial_backend.stt.sources import FILE_KIND
    _, operator = make_user("omar", "operator")
    app.config.update(STT_ENGINE="fake")
    before = _sample(client.get("/metrics", headers={"Authorization": f"Bearer {operator}"}).get_data(as_text=True),
                     "stt_job_duration_seconds_count", outcome="done")
    with app.app_context():
        get_storage().put_bytes("stt-files/metrics.wav", b"RIFF0000WAVE", "audio/wav")
        stt_jobs.enqueue(FILE_KIND, "metrics.wav", "stt-files/metrics.wav", "audio/wav")
    assert run_stt_jobs() == ["done"]
    after = _sample(client.get("/metrics", headers={"Authorization": f"Bearer {operator}"}).get_data(as_text=True),
                    "stt_job_duration_seconds_count", outcome="done")
    assert after == before + 1
