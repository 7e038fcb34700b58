"""Fixtures for the review app: an app over a fresh warehouse, staff users, seeded casework,
and the live server and headless Chromium the browser tests drive."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from trustwatch.db.engine import session_scope
from trustwatch.receiver.launch import free_port
from trustwatch.settings import get_settings
from trustwatch.warehouse.views import create_views
from trustwatch.web.main import create_app
from trustwatch.web.roles import Role
from trustwatch.web.security import SESSION_COOKIE
from trustwatch.web.services.auth import open_session

from .factories import PASSWORD, Post, add_alert, add_clock, add_score, add_thread, make_user

# Distinctive strings that must appear to a lead and never to data staff.
SECRET_TEXT = "Jamie in 7C is always alone at the bus stop after school"
SECRET_HANDLE = "worried_parent_4471"
OTHER_HANDLE = "bystander_9000"


@dataclass(frozen=True)
class Person:
    user_id: int
    email: str
    role: Role


@pytest.fixture
def warehouse(sqlite_engine: Engine) -> Engine:
    """The warehouse under test; a module overrides this to run on PostgreSQL."""
    return sqlite_engine


@pytest.fixture
def app(warehouse: Engine) -> FastAPI:
    """The app over a warehouse as `trustwatch init` leaves it: migrated, with the views."""
    create_views(warehouse)
    return create_app(engine=warehouse, settings=get_settings())


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def people(warehouse: Engine) -> dict[str, Person]:
    specs = {
        "lead": ("lead@riverbend.example.org", Role.LEAD, None),
        "oak_lead": ("dsl@oakfield.example.org", Role.LEAD, "oakfield"),
        "mill_lead": ("dsl@millbrook.example.org", Role.LEAD, "millbrook"),
        "data": ("data@riverbend.example.org", Role.DATA, None),
        "admin": ("admin@riverbend.example.org", Role.ADMIN, None),
        "subject": ("office@riverbend.example.org", Role.DATA, None),
        # Named in the example registry as an administrator of Oakfield's X and Facebook.
        "tom": ("tom.hughes@oakfield.example.org", Role.ACCOUNT_ADMIN, None),
        # Named on Millbrook's accounts only.
        "sarah": ("sarah.lin@millbrook.example.org", Role.ACCOUNT_ADMIN, None),
    }
    out = {}
    with session_scope(warehouse) as session:
        for name, (email, role, school) in specs.items():
            user = make_user(session, email=email, role=role, school_key=school)
            out[name] = Person(user.user_id, user.email, role)
    return out


@dataclass(frozen=True)
class Casework:
    flagged_item_id: int
    reply_item_id: int
    oak_alert_id: int
    mill_alert_id: int
    low_alert_id: int


@pytest.fixture
def casework(warehouse: Engine) -> Casework:
    """An Oakfield Facebook thread with a flagged comment, and alerts in two schools."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with session_scope(warehouse) as session:
        oak = add_thread(
            session,
            school_key="oakfield",
            start=now - dt.timedelta(hours=30),
            posts=[
                Post("Sports day photos are up!", author_id="school", from_school=True),
                Post(
                    SECRET_TEXT,
                    author_id="p-4471",
                    handle=SECRET_HANDLE,
                    profile_url="https://www.facebook.com/worried.parent.4471",
                    minutes=20,
                ),
                Post("Lovely day, thank you", author_id="p-9000", handle=OTHER_HANDLE, minutes=45),
            ],
        )
        add_score(session, oak[1], "safeguarding", 0.93)
        add_score(session, oak[1], "bullying", 0.64)
        add_score(session, oak[2], "abuse", 0.02)
        add_clock(session, oak[1])
        oak_alert = add_alert(
            session, oak[1], alert_type="safeguarding", severity="critical", score=0.93
        )
        low = add_alert(session, oak[1], alert_type="bullying", severity="low", score=0.64)
        mill = add_thread(
            session,
            school_key="millbrook",
            platform="x",
            start=now - dt.timedelta(hours=3),
            posts=[
                Post("Open evening on Thursday", author_id="mill", from_school=True),
                Post("You are all useless", author_id="m-1", handle="angry_one", minutes=5),
            ],
        )
        add_score(session, mill[1], "abuse", 0.88)
        mill_alert = add_alert(session, mill[1], alert_type="abuse", severity="medium", score=0.88)
        return Casework(
            flagged_item_id=oak[1].item_id,
            reply_item_id=oak[2].item_id,
            oak_alert_id=oak_alert.alert_id,
            mill_alert_id=mill_alert.alert_id,
            low_alert_id=low.alert_id,
        )


def sign_in(client: TestClient, engine: Engine, person: Person) -> str:
    """Open a session directly (no password hashing per request) and return its CSRF token."""
    from trustwatch.db.models import WebSession, WebUser
    from trustwatch.web.security import token_digest

    with session_scope(engine) as session:
        user = session.get_one(WebUser, person.user_id)
        token = open_session(session, user=user, settings=get_settings())
        session.flush()
        csrf = session.get_one(WebSession, token_digest(token)).csrf_token
    client.cookies.set(SESSION_COOKIE, token)
    return csrf


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_in(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


# Debian's chromium, driven by Playwright; the pages are judged at this size.
CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn in a background thread, on a free local port."""
    port = free_port()
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


@dataclass
class Browsing:
    """Pages in the real browser against the live app.

    Every page it opens reports the Content Security Policy violations its console shows
    into `csp_violations`, from the sign-in page on; its contexts close after the test.
    """

    browser: Any
    base: str
    csp_violations: list[str] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)

    def page_as(self, person: Person, *, viewport: dict[str, int] = VIEWPORT) -> Any:
        """A new page at `viewport`, signed in as `person` through the sign-in form."""
        context = self.browser.new_context(viewport=viewport)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._console)
        self.sign_in(page, person)
        return page

    def sign_in(self, page: Any, person: Person) -> None:
        """Sign `person` in on `page` with the form, as a user does."""
        page.goto(f"{self.base}/login")
        page.get_by_label("Email").fill(person.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)


@pytest.fixture
def browsing(browser: Any, live_url: str) -> Iterator[Browsing]:
    session = Browsing(browser, live_url)
    try:
        yield session
    finally:
        for context in session.contexts:
            context.close()
