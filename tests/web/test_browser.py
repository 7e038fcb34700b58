"""End to end in a real headless Chromium (Debian's `chromium`, driven by Playwright).

The app runs under uvicorn in a background thread on a free local port, over a seeded
warehouse (the `browsing` fixture, in conftest.py). Screenshots of the queue and a dashboard
are kept under test-artifacts/; those of the lead's queue and alert and of the account
administrator's inbox under var/screenshots/ (at 1280x800, the size the issue judged the
pages at).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import AlertEvent, ManualResponse

from .conftest import VIEWPORT, Browsing, Casework
from .factories import Post, add_alert, add_clock, add_thread

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

pytestmark = pytest.mark.slow


def _screenshot(page, path: Path, *, full_page: bool) -> None:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)


def test_lead_and_data_staff_in_a_real_browser(
    browsing: Browsing, sqlite_engine: Engine, casework: Casework, people
):
    lead = people["lead"]

    # A lead signs in and lands on the queue with every school's alerts.
    page = browsing.page_as(lead, viewport={"width": 1280, "height": 900})
    assert page.url.endswith("/alerts")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 3

    # Filter the queue: Oakfield's safeguarding alerts only.
    page.get_by_label("School").select_option("oakfield")
    page.get_by_label("Type").select_option("safeguarding")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"school=oakfield"))
    assert rows.count() == 1
    assert "critical" in rows.first.inner_text().lower()
    _screenshot(page, ARTIFACTS / "web-alert-queue.png", full_page=True)

    # Open it: the thread, the author's handle and the scores are there.
    page.get_by_role("link", name=f"Open alert {casework.oak_alert_id}").click()
    page.wait_for_url(re.compile(rf"/alerts/{casework.oak_alert_id}$"))
    assert page.locator(".flagged-post .handle").inner_text() == "worried_parent_4471"
    assert page.locator("ol.thread li").count() == 3

    # Acknowledge, then resolve with a note.
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(re.compile(r"done=acknowledged"))
    assert page.locator("dd.status").inner_text() == "acknowledged"
    page.get_by_label("Note (required to resolve or dismiss)").fill("Spoke to the family today")
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_url(re.compile(r"done=resolved"))
    assert page.locator("dd.status").inner_text() == "resolved"

    # The alert's history shows both changes, by this lead, with the note.
    history = page.locator("ol.history li")
    assert history.count() == 2
    assert "open → acknowledged" in history.nth(0).inner_text()
    last = history.nth(1).inner_text()
    assert "acknowledged → resolved" in last
    assert lead.email in last and "Spoke to the family today" in last
    _screenshot(page, ARTIFACTS / "web-alert-detail.png", full_page=True)
    with session_scope(sqlite_engine) as session:
        events = session.scalars(
            select(AlertEvent.to_status).where(AlertEvent.alert_id == casework.oak_alert_id)
        ).all()
    assert events == ["acknowledged", "resolved"]

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))

    # Data staff land on dashboards, whose charts are served by the app itself.
    browsing.sign_in(page, people["data"])
    assert "/dashboards" in page.url
    images = page.locator(".charts img")
    assert images.count() == 4
    for i in range(4):
        images.nth(i).scroll_into_view_if_needed()
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    assert "worried_parent_4471" not in page.content()
    _screenshot(page, ARTIFACTS / "web-dashboard.png", full_page=True)

    # ...and are refused the alert detail.
    response = page.goto(f"{browsing.base}/alerts/{casework.oak_alert_id}")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert "Jamie in 7C" not in page.content()

    assert browsing.csp_violations == []


def _seed_queue(engine: Engine) -> dict[str, int]:
    """A morning's work for a lead: several labels and schools, one assigned, plus the
    response-time alerts that belong in the administrators' inbox instead."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    out: dict[str, int] = {}
    with session_scope(engine) as session:
        items = add_thread(
            session,
            school_key="millbrook",
            platform="facebook",
            start=now - dt.timedelta(hours=20),
            posts=[
                Post("Year 9 trip letter is out today", author_id="mb", from_school=True),
                Post(
                    "Everyone in 9B laughs at Sam every single day and the teachers do nothing",
                    author_id="mb-1",
                    minutes=40,
                ),
                Post(
                    "People like you should go back where you came from",
                    author_id="mb-2",
                    minutes=90,
                ),
                Post(
                    "This school is a joke, I have emailed twice about the bus",
                    author_id="mb-3",
                    minutes=400,
                ),
            ],
        )
        add_clock(session, items[1])
        add_clock(session, items[3], due_in=dt.timedelta(hours=21))
        out["bullying"] = add_alert(
            session, items[1], alert_type="bullying", severity="high", score=0.87
        ).alert_id
        out["hate"] = add_alert(
            session, items[2], alert_type="hate", severity="high", score=0.78
        ).alert_id
        complaint = add_alert(session, items[3], alert_type="complaint", severity="low", score=0.66)
        complaint.assigned_to = "lead@riverbend.example.org"
        out["complaint"] = complaint.alert_id
        out["breach"] = add_alert(
            session, items[3], alert_type="sla_breached", severity="high", score=None
        ).alert_id
    return out


def test_lead_queue_and_alert_in_a_real_browser(
    browsing: Browsing, sqlite_engine: Engine, casework: Casework, people
):
    seeded = _seed_queue(sqlite_engine)
    page = browsing.page_as(people["lead"])
    assert page.url.endswith("/alerts")

    # Label alerts only: the response-time breach is not in the lead's queue.
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 6
    assert f"/alerts/{seeded['breach']}" not in page.content()
    assert page.get_by_text("Showing 1–6 of 6").is_visible()
    # Critical first; the snippet, score and times are on the row.
    first = rows.first.inner_text()
    assert "CRITICAL" in first.upper() and "Jamie in 7C" in first and "0.93" in first
    counts = page.locator("section.summary").inner_text()
    assert "Assigned to me (1)" in counts
    _screenshot(page, SCREENSHOTS / "lead-queue.png", full_page=False)

    # The first Tab lands on the skip link, which jumps to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Sort by due time: the comment whose response is owed soonest comes first.
    page.get_by_label("Sort").select_option("due")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"sort=due"))
    assert "OVERDUE" in rows.first.inner_text().upper()

    # "Assigned to me" narrows to the one complaint.
    page.get_by_role("link", name="Assigned to me (1)").click()
    page.wait_for_url(re.compile(r"mine=1"))
    assert rows.count() == 1 and "complaint" in rows.first.inner_text()

    # The alert: the flagged post and its scores are above the fold at 1280x800,
    # with the thread beside them.
    page.goto(f"{browsing.base}/alerts/{casework.oak_alert_id}")
    post = page.locator(".flagged-post").bounding_box()
    scores = page.locator("table.scores").bounding_box()
    thread = page.locator("ol.thread").bounding_box()
    assert post and scores and thread
    assert post["y"] + post["height"] < VIEWPORT["height"]
    assert scores["y"] < VIEWPORT["height"]
    assert thread["y"] < VIEWPORT["height"] and thread["x"] > post["x"] + post["width"]
    # Dates never wrap inside their cell.
    heights = page.locator("ol.thread time.when").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and max(heights) < 2 * min(heights)
    _screenshot(page, SCREENSHOTS / "lead-alert.png", full_page=False)
    _screenshot(page, SCREENSHOTS / "lead-alert-full.png", full_page=True)
    assert browsing.csp_violations == []


def test_account_admin_inbox_in_a_real_browser(
    browsing: Browsing, sqlite_engine: Engine, casework: Casework, people
):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with session_scope(sqlite_engine) as session:
        items = add_thread(
            session,
            school_key="oakfield",
            platform="x",
            start=now - dt.timedelta(hours=27),
            posts=[
                Post("Reminder: flu vaccinations on Tuesday", author_id="oak-x", from_school=True),
                Post(
                    "Do we need to sign a consent form for the flu spray?",
                    author_id="x1",
                    minutes=5,
                ),
                Post("Is the after-school club still on this week?", author_id="x2", minutes=500),
                Post("Thanks, sorted now!", author_id="x3", minutes=900),
            ],
        )
        overdue = add_clock(session, items[1]).item_id
        soon = add_clock(session, items[2], due_in=dt.timedelta(hours=20)).item_id
        thanks = add_clock(session, items[3], due_in=dt.timedelta(hours=30)).item_id
    page = browsing.page_as(people["tom"])
    assert page.url.endswith("/inbox")
    rows = page.locator("table.inbox tbody tr")
    ids = rows.evaluate_all("rs => rs.map(r => r.id)")
    # Due first: the overdue comments, then the due-soon one, then the later one.
    assert ids[0] == f"item-{casework.flagged_item_id}"  # overdue longest
    assert ids.index(f"item-{overdue}") < ids.index(f"item-{soon}") < ids.index(f"item-{thanks}")
    first = rows.first
    assert "OVERDUE" in first.inner_text().upper()
    # The safeguarding comment's text stays with the lead.
    assert "Jamie in 7C" not in page.content()
    _screenshot(page, SCREENSHOTS / "admin-inbox.png", full_page=False)

    # "No response needed", with a reason: the row leaves the inbox and the reason is kept.
    row = page.locator(f"#item-{thanks}")
    row.locator("summary", has_text="No response needed").click()
    row.get_by_label("Why no response is needed").fill("A thank-you; nothing to answer")
    row.get_by_role("button", name="Mark no response needed").click()
    page.wait_for_url(re.compile(r"done=not_needed"))
    assert page.locator(f"#item-{thanks}").count() == 0
    assert page.get_by_role("status").first.is_visible()

    # "Responded outside the platform" on the overdue one.
    row = page.locator(f"#item-{overdue}")
    row.locator("summary", has_text="Responded outside the platform").click()
    row.get_by_label("How and where you responded").fill("Phoned the parent this morning")
    row.get_by_role("button", name="Mark responded").click()
    page.wait_for_url(re.compile(r"done=responded"))
    assert page.locator(f"#item-{overdue}").count() == 0
    _screenshot(page, SCREENSHOTS / "admin-inbox-after.png", full_page=False)
    with session_scope(sqlite_engine) as session:
        marks = {(m.item_id, m.kind) for m in session.scalars(select(ManualResponse))}
    assert marks == {(thanks, "not_needed"), (overdue, "responded")}

    # The lead's pages are closed to an account administrator.
    response = page.goto(f"{browsing.base}/alerts")
    assert response is not None and response.status == 403
    assert browsing.csp_violations == []
