"""The lead's queue: label alerts first, snippet, post and due times, sorts, counts, paging."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Engine

from trustwatch.db.engine import session_scope
from trustwatch.db.models import Alert
from trustwatch.web.services.alerts import PAGE_SIZE

from .conftest import sign_in
from .factories import Post, add_alert, add_clock, add_thread

_ALERT_LINK = re.compile(r'href="/alerts/(\d+)"')


def _ids(html: str) -> list[int]:
    return [int(m) for m in _ALERT_LINK.findall(html)]


def _seed(engine: Engine) -> dict[str, int]:
    """Harbourside: a bullying alert on an old post with a clock, a newer hate alert, a
    safeguarding one, and response-time alerts on the same comments."""
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        items = add_thread(
            session,
            school_key="harbourside",
            start=now - dt.timedelta(days=3),
            posts=[
                Post("root", author_id="s", from_school=True),
                Post("old comment " + "word " * 60, author_id="a1", minutes=1),
                Post("newer comment", author_id="a2", minutes=3000),
                Post("newest comment", author_id="a3", minutes=4000),
            ],
        )
        add_clock(session, items[1], due_in=dt.timedelta(hours=24))  # overdue
        add_clock(session, items[3], due_in=dt.timedelta(days=5))  # due later
        ids = {
            "bullying_old": add_alert(session, items[1], severity="high").alert_id,
            "hate_newer": add_alert(session, items[2], alert_type="hate", severity="high").alert_id,
            "safeguarding_newest": add_alert(
                session, items[3], alert_type="safeguarding", severity="critical"
            ).alert_id,
            "breach": add_alert(
                session, items[1], alert_type="sla_breached", severity="high", score=None
            ).alert_id,
            "at_risk": add_alert(
                session, items[3], alert_type="sla_at_risk", severity="medium", score=None
            ).alert_id,
        }
        session.get_one(Alert, ids["hate_newer"]).assigned_to = "lead@riverbend.example.org"
    return ids


def test_response_time_alerts_stay_out_of_the_lead_queue_by_default(client, sqlite_engine, people):
    ids = _seed(sqlite_engine)
    sign_in(client, sqlite_engine, people["lead"])
    html = client.get("/alerts?school=harbourside").text
    assert set(_ids(html)) == {ids["bullying_old"], ids["hate_newer"], ids["safeguarding_newest"]}
    assert "account administrators' inbox" in html


def test_a_trust_can_route_response_alerts_to_leads(app, client, sqlite_engine, people):
    ids = _seed(sqlite_engine)
    registry = app.state.registry
    app.state.registry = registry.model_copy(
        update={"alerting": registry.alerting.model_copy(update={"response_alerts_to_leads": True})}
    )
    sign_in(client, sqlite_engine, people["lead"])
    html = client.get("/alerts?school=harbourside").text
    assert set(_ids(html)) == set(ids.values())
    assert "response overdue" in html  # the human label of sla_breached


def test_rows_show_snippet_score_post_time_and_due_time(client, sqlite_engine, people):
    ids = _seed(sqlite_engine)
    sign_in(client, sqlite_engine, people["lead"])
    html = client.get("/alerts?school=harbourside&type=bullying").text
    start = html.index('<tr class="sev-high">')
    row = html[start : html.index("</tr>", start)]
    assert "old comment word" in row and "…" in row  # cut, and says so
    assert "word " * 40 not in row
    assert "0.91" in row  # the label's score
    assert row.count('<time class="when"') == 2  # posted and due
    assert re.search(r"\d days ago", row)
    assert "overdue" in row
    assert f"/alerts/{ids['bullying_old']}" in row


def test_sorts(client, sqlite_engine, people):
    ids = _seed(sqlite_engine)
    sign_in(client, sqlite_engine, people["lead"])
    base = "/alerts?school=harbourside"
    assert _ids(client.get(base).text) == [
        ids["safeguarding_newest"],
        ids["bullying_old"],
        ids["hate_newer"],
    ]
    assert _ids(client.get(base + "&sort=posted").text) == [
        ids["safeguarding_newest"],
        ids["hate_newer"],
        ids["bullying_old"],
    ]
    # Due first: soonest due time first, then alerts with no response owed.
    assert _ids(client.get(base + "&sort=due").text) == [
        ids["bullying_old"],
        ids["safeguarding_newest"],
        ids["hate_newer"],
    ]


def test_counts_and_assigned_to_me(client, sqlite_engine, people):
    ids = _seed(sqlite_engine)
    sign_in(client, sqlite_engine, people["lead"])
    html = client.get("/alerts?school=harbourside&type=hate").text
    counts = html[html.index('aria-label="Counts"') : html.index("</section>")]
    # Counts ignore the type and severity filters, so they work as navigation.
    assert re.search(r"sev-critical\">critical</span> 1", counts)
    assert re.search(r"sev-high\">high</span> 2", counts)
    assert "bullying 1" in counts and "hate 1" in counts
    assert "Assigned to me (1)" in counts
    mine = client.get("/alerts?school=harbourside&mine=1").text
    assert _ids(mine) == [ids["hate_newer"]]


def test_paging_says_how_many(client, sqlite_engine, people):
    now = dt.datetime.now(dt.UTC)
    with session_scope(sqlite_engine) as session:
        items = add_thread(
            session,
            school_key="harbourside",
            start=now - dt.timedelta(days=1),
            posts=[Post("root", author_id="s", from_school=True)]
            + [Post(f"c{i}", author_id=f"x{i}", minutes=i + 1) for i in range(PAGE_SIZE + 7)],
        )
        for item in items[1:]:
            add_alert(session, item, alert_type="abuse", severity="medium")
    sign_in(client, sqlite_engine, people["lead"])
    first = client.get("/alerts?school=harbourside").text
    total = PAGE_SIZE + 7
    assert f"Showing 1–{PAGE_SIZE} of {total}" in first
    assert len(_ids(first)) == PAGE_SIZE
    assert 'rel="next"' in first
    second = client.get("/alerts?school=harbourside&page=2").text
    assert f"Showing {PAGE_SIZE + 1}–{total} of {total}" in second
    assert len(_ids(second)) == 7


def test_detail_puts_the_post_first_and_history_reads_as_sentences(
    client, sqlite_engine, casework, people
):
    csrf = sign_in(client, sqlite_engine, people["lead"])
    url = f"/alerts/{casework.oak_alert_id}"
    client.post(f"{url}/status", data={"csrf_token": csrf, "to_status": "acknowledged"})
    html = client.get(url).text
    assert html.index("Flagged post") < html.index("Scores") < html.index(">Thread<")
    assert html.index(">Thread<") < html.index(">Actions<")
    history = html[html.index('<ol class="history">') : html.index("</ol>", html.index("history"))]
    text = re.sub(r"<[^>]+>", "", history)
    assert "status changed, status open → acknowledged, by lead@riverbend.example.org" in text
    # Times are in the trust's zone with the absolute time machine-readable.
    assert re.search(r'<time class="when" datetime="[^"]+\+00:00">', html)
