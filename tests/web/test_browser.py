"""End to end in a real headless Chromium (Debian's `chromium`, driven by Playwright).

The app runs under uvicorn in a background thread on a free local port, over a seeded
warehouse. Screenshots of the queue and a dashboard are kept under test-artifacts/.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import AlertEvent

from .conftest import Casework, Person
from .factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=BROWSER_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _sign_in(page, base: str, person: Person) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_lead_and_data_staff_in_a_real_browser(
    browser, live_url: str, sqlite_engine: Engine, casework: Casework, people
):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    lead = people["lead"]

    # A lead signs in and lands on the queue with every school's alerts.
    _sign_in(page, live_url, lead)
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
    page.screenshot(path=str(ARTIFACTS / "web-alert-queue.png"), full_page=True)

    # Open it: the thread, the author's handle and the scores are there.
    page.get_by_role("link", name=f"Open alert {casework.oak_alert_id}").click()
    page.wait_for_url(re.compile(rf"/alerts/{casework.oak_alert_id}$"))
    assert page.locator("dd.handle").inner_text() == "worried_parent_4471"
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
    page.screenshot(path=str(ARTIFACTS / "web-alert-detail.png"), full_page=True)
    with session_scope(sqlite_engine) as session:
        events = session.scalars(
            select(AlertEvent.to_status).where(AlertEvent.alert_id == casework.oak_alert_id)
        ).all()
    assert events == ["acknowledged", "resolved"]

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))

    # Data staff land on dashboards, whose charts are served by the app itself.
    _sign_in(page, live_url, people["data"])
    assert "/dashboards" in page.url
    images = page.locator(".charts img")
    assert images.count() == 4
    for i in range(4):
        images.nth(i).scroll_into_view_if_needed()
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    assert "worried_parent_4471" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "web-dashboard.png"), full_page=True)

    # ...and are refused the alert detail.
    response = page.goto(f"{live_url}/alerts/{casework.oak_alert_id}")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert "Jamie in 7C" not in page.content()

    assert csp_violations == []
    context.close()
