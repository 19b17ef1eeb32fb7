"""The sessions table and the timeline page, through Flask's test client: what each role
sees, filters, sorting, paging, and bad input answered with an error page (never JSON, never 500)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from facial_backend.extensions import db
from tests.console import seed


def session_links(html: str) -> list[str]:
    return re.findall(r'href="/console/sessions/([^"/]+)"', html)


def test_signed_out_visitor_is_sent_to_sign_in(client, world):
    response = client.get("/console/sessions?kind=live")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/sign-in?next=")


def test_admin_sees_every_session_newest_first_with_counts(client, world, sign_in):
    page = sign_in("admin1").get("/console/sessions")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert session_links(page.text) == [world["testbed"], world["other_live"], world["live"], world["recording"]]
    row = page.text.split(world["recording"], 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    # videos, segments, recordings, notes, telemetry points, transcripts, size
    assert cells == ["2", "0", "0", "0", "0", "0", "1.5 KiB"]
    testbed_row = page.text.split(world["testbed"], 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', testbed_row) == ["0", "0", "1", "2", "3", "1", "3.9 KiB"]


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=live", ["other_live", "live"]),
    ("status=ended", ["other_live"]),
    ("person=evaluator1", ["live"]),
    ("person=P-001", ["recording"]),
    ("q=bench+run", ["testbed"]),
    ("q=alice", ["recording"]),
    ("date_from=2026-03-02&date_to=2026-03-02", ["testbed", "other_live", "live", "recording"]),
    ("date_from=2026-03-03", []),
    ("date_from=0001-01-01&date_to=9999-12-31", ["testbed", "other_live", "live", "recording"]),
    ("sort=kind&order=asc", ["other_live", "live", "recording", "testbed"]),
    ("sort=started&order=asc", ["recording", "live", "other_live", "testbed"]),
])
def test_filters_and_sorting(client, world, sign_in, query, expected):
    page = sign_in("operator1").get(f"/console/sessions?{query}")
    assert page.status_code == 200
    assert session_links(page.text) == [world[name] for name in expected]


def test_paging(client, world, sign_in):
    signed = sign_in("admin1")
    first = signed.get("/console/sessions?per_page=25&page=1")
    assert "page 1 of 1" in first.text
    past = signed.get("/console/sessions?page=2")
    assert past.status_code == 404 and "There is no page 2" in past.text
    assert 'href="/console/sessions?page=1"' in past.text


@pytest.mark.parametrize(("query", "field"), [
    ("page=abc", "Page"), ("page=0", "Page"), ("page=99999999999999999999", "Page"),
    ("date_from=yesterday", "Started from"), ("kind=spaceship", "Kind"), ("per_page=7", "Rows per page"),
    ("sort=size", "Sort by"), ("q=" + "x" * 300, "Search"),
])
def test_wrong_filter_values_get_an_error_page_naming_the_field(client, world, sign_in, query, field):
    page = sign_in("admin1").get(f"/console/sessions?{query}")
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert f"<strong>{field}</strong>" in page.text


def test_evaluator_sees_only_the_live_sessions_they_ran(client, world, sign_in):
    signed = sign_in("evaluator1")
    assert session_links(signed.get("/console/sessions").text) == [world["live"]]
    assert signed.get(f"/console/sessions/{world['live']}").status_code == 200
    for name in ("other_live", "recording", "testbed"):
        page = signed.get(f"/console/sessions/{world[name]}")
        assert page.status_code == 404 and page.mimetype == "text/html"


def test_recorder_sees_their_sessions_and_only_their_recordings(client, world, sign_in):
    assert session_links(sign_in("recorder1").get("/console/sessions").text) == [world["recording"]]
    client.post("/console/sign-out", data={"csrf_token": _token(client)})
    signed = sign_in("recorder2")
    assert session_links(signed.get("/console/sessions").text) == [world["testbed"]]
    page = signed.get(f"/console/sessions/{world['testbed']}")
    assert "The memo says hello." in page.text
    assert "First note" not in page.text and "heart_rate" not in page.text
    assert "data-live-path" not in page.text  # the session's events would show what the page hides
    assert signed.get(f"/console/sessions/{world['recording']}").status_code == 404
    assert signed.get(f"/console/sessions/{world['testbed']}/telemetry.json").json == []


def _token(client) -> str:
    from tests.console.conftest import csrf_token
    return csrf_token(client.get("/console/sessions").text)


def test_timeline_lists_everything_in_time_order(client, world, sign_in):
    page = sign_in("operator1").get(f"/console/sessions/{world['testbed']}")
    assert page.status_code == 200
    keys = re.findall(r'<li class="item item-(\w+)"', page.text)
    assert keys == ["note", "recording", "stt_task", "note"]
    assert page.text.index("First note") < page.text.index("Second note")
    assert f'data-live-path="/ws/sessions/{world["testbed"]}"' in page.text  # an active testbed session
    assert "data-live-token" not in page.text  # the events socket is open without AUTH_REQUIRED
    series = client.get(f"/console/sessions/{world['testbed']}/telemetry.json").json
    assert [(s["channel"], s["v"], s["total"], s["unit"]) for s in series] == [
        ("heart_rate", [60.0, 61.5, 63.0], 3, "bpm")]


def test_live_timeline_has_images_audio_and_transcripts(client, world, sign_in):
    page = sign_in("evaluator1").get(f"/console/sessions/{world['live']}")
    assert page.text.count("<audio controls") == 2
    assert 'src="https://images.example/0.jpg"' in page.text
    assert "I see a smile" in page.text


def test_recording_session_shows_players_for_finished_videos_only(client, world, sign_in):
    page = sign_in("recorder1").get(f"/console/sessions/{world['recording']}")
    assert page.text.count("<video controls") == 1
    assert "Upload receiving: 1 of 1 chunks received." in page.text
    assert "data-live-path" not in page.text


@pytest.mark.parametrize("path", [
    "/console/sessions/sess_unknown", "/console/sessions/%00x", "/console/nothing/here",
    "/console/sessions/sess_unknown/media/video/v1", "/console/sessions/sess_unknown/items",
    "/console/sessions/sess_unknown/export.zip",
])
def test_unknown_ids_get_the_404_page(client, world, sign_in, path):
    page = sign_in("admin1").get(path)
    assert page.status_code == 404 and page.mimetype == "text/html", page.text
    assert "<h1" in page.text and "request id" in page.text.lower()


def test_live_updates_need_a_token_when_auth_is_required(client, world, sign_in, app):
    app.config["AUTH_REQUIRED"] = True
    page = sign_in("evaluator1").get(f"/console/sessions/{world['live']}")
    token = re.search(r'data-live-token="([^"]+)"', page.text).group(1)
    assert f'data-live-path="/ws/sessions/{world["live"]}"' in page.text
    assert "data-poll-seconds" not in page.text  # segments are announced on the socket
    listed = client.get("/api/v1/recordings/", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200


def test_a_search_pages_through_its_matches_with_their_total(client, app, world, sign_in):
    with app.app_context():
        made = [seed.session("testbed", seed.START + timedelta(minutes=i), name=f"Findable run {i}").id
                for i in range(27)]
        db.session.commit()
    signed = sign_in("admin1")
    first = signed.get("/console/sessions?q=findable&page=1")
    assert "27 sessions; page 1 of 2." in first.text
    assert session_links(first.text) == made[::-1][:25]
    last = signed.get("/console/sessions?q=FINDABLE&page=2")
    assert "27 sessions; page 2 of 2." in last.text
    assert session_links(last.text) == made[1::-1]
    past = signed.get("/console/sessions?q=findable&page=3")
    assert past.status_code == 404 and "the table has 2 page(s)" in past.text
    nothing = signed.get("/console/sessions?q=no+such+words")
    assert nothing.status_code == 200 and "0 sessions." in nothing.text and session_links(nothing.text) == []
