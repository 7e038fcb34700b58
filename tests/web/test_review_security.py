"""Findings of the review of the app (issue 21), each with the test that pins its fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import AuditLog, Item
from trustwatch.web.main import SECURITY_HEADERS, SecurityHeaders
from trustwatch.web.proxies import client_address, parse_networks
from trustwatch.web.security import password_problem

from .conftest import Casework, csrf_in, sign_in
from .factories import Post, add_alert, add_thread, school_id

ROOT = Path(__file__).resolve().parents[2]
HUGE = [2**63, 2**63 + 1, 2**64, 10**30]


def _audit(engine: Engine, action: str) -> list[AuditLog]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.audit_id)
            )
        )


# --- X-Forwarded-For -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("203.0.113.9", "1.1.1.1", "203.0.113.9"),  # not our proxy: header ignored
        ("127.0.0.1", "198.51.100.4", "198.51.100.4"),  # our proxy: believed
        ("127.0.0.1", "6.6.6.6, 198.51.100.4", "198.51.100.4"),  # forged left part ignored
        ("127.0.0.1", "198.51.100.4, 127.0.0.1", "198.51.100.4"),  # chain of our proxies
        ("127.0.0.1", "not-an-ip", "127.0.0.1"),  # garbage: count the proxy
        ("127.0.0.1", None, "127.0.0.1"),
    ],
)
def test_client_address(peer: str, header: str | None, expected: str):
    assert client_address(peer, header, parse_networks("127.0.0.1,::1")) == expected


def test_compose_trusts_no_proxy_wildcard():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    assert "--forwarded-allow-ips" not in web["command"]
    assert "*" not in " ".join(web["command"])
    trusted = web["environment"]["TRUSTWATCH_WEB_TRUSTED_PROXIES"]
    assert "*" not in trusted
    parse_networks(trusted.split(":-", 1)[1].rstrip("}"))  # the default is a valid list


# --- ids beyond BIGINT, unhandled errors ----------------------------------------------------


@pytest.mark.parametrize("huge", HUGE)
def test_ids_beyond_bigint_are_a_clean_404(client, sqlite_engine, people, huge: int):
    sign_in(client, sqlite_engine, people["lead"])
    for path in (f"/alerts/{huge}", f"/mentions/{huge}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.text
        for name in SECURITY_HEADERS:
            assert name in response.headers, (path, name)
    admin = TestClient(client.app, follow_redirects=False)
    csrf = sign_in(admin, sqlite_engine, people["admin"])
    assert admin.get(f"/admin/users/{huge}").status_code == 404
    posted = admin.post(f"/admin/users/{huge}/unlock", data={"csrf_token": csrf})
    assert posted.status_code == 404


def test_an_unhandled_error_is_a_plain_500_with_the_security_headers():
    async def broken(scope, receive, send):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom: secret detail")

    client = TestClient(SecurityHeaders(broken, hsts=False), raise_server_exceptions=False)
    response = client.get("/anything")
    assert response.status_code == 500
    assert "boom" not in response.text
    for name in SECURITY_HEADERS:
        assert name in response.headers


# --- refused access is audited --------------------------------------------------------------


def test_refused_access_is_audited(client, sqlite_engine, casework: Casework, people):
    sign_in(client, sqlite_engine, people["data"])
    assert client.get(f"/alerts/{casework.oak_alert_id}").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    refused = _audit(sqlite_engine, "access.refused")
    assert [(r.actor, r.target_id) for r in refused] == [
        (people["data"].email, f"/alerts/{casework.oak_alert_id}"),
        (people["data"].email, "/admin/audit"),
    ]
    assert refused[0].detail["method"] == "GET"
    # A stale CSRF token is a refusal too.
    assert client.post("/logout", data={"csrf_token": "stale"}).status_code == 403
    assert len(_audit(sqlite_engine, "access.refused")) == 3


# --- the thread shows only the viewer's schools, and is audited -----------------------------


def test_thread_hides_other_schools_items_and_audits_what_it_showed(client, sqlite_engine, people):
    now = dt.datetime.now(dt.UTC)
    with session_scope(sqlite_engine) as session:
        items = add_thread(
            session,
            school_key="oakfield",
            start=now - dt.timedelta(hours=5),
            posts=[
                Post("Oakfield root", author_id="s", from_school=True),
                Post("flagged comment at oakfield", author_id="a1", minutes=1),
                Post("MILLBROOK-ONLY reply", author_id="a2", minutes=2),
            ],
        )
        # An item of another school in the same thread (a cross-posted reply).
        session.get_one(Item, items[2].item_id).school_id = school_id(session, "millbrook")
        alert = add_alert(session, items[1], alert_type="bullying", severity="high")
        alert_id, shown = alert.alert_id, [items[0].item_id, items[1].item_id]
        hidden = items[2].item_id
    sign_in(client, sqlite_engine, people["oak_lead"])
    html = client.get(f"/alerts/{alert_id}").text
    assert "flagged comment at oakfield" in html
    assert "MILLBROOK-ONLY" not in html
    (view,) = _audit(sqlite_engine, "alert.view")
    assert view.detail["thread_item_ids"] == shown
    assert hidden not in view.detail["thread_item_ids"]
    # The item page for the flagged comment hides it too.
    assert "MILLBROOK-ONLY" not in client.get(f"/mentions/{items[1].item_id}").text
    # A trust-wide lead sees the whole thread.
    trust = TestClient(client.app, follow_redirects=False)
    sign_in(trust, sqlite_engine, people["lead"])
    assert "MILLBROOK-ONLY" in trust.get(f"/alerts/{alert_id}").text


# --- the audit page pages through everything, with filters ---------------------------------


def test_audit_page_pages_through_every_row_with_filters(client, sqlite_engine, people):
    base = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    with session_scope(sqlite_engine) as session:
        for i in range(350):
            session.add(
                AuditLog(
                    actor="someone@riverbend.example.org" if i % 2 else "other@x.example.org",
                    action="alert.view" if i % 3 else "user.update",
                    target_type="alert",
                    target_id=str(i),
                    detail={},
                    at=base + dt.timedelta(days=i // 100),
                )
            )
    sign_in(client, sqlite_engine, people["admin"])
    seen: list[str] = []
    page = 1
    while True:
        html = client.get(f"/admin/audit?action=alert.view&from=2026-03-01&page={page}").text
        rows = [line for line in html.splitlines() if line.strip().startswith("<tr><td")]
        seen += rows
        if 'rel="next"' not in html:
            break
        page += 1
    expected = sum(1 for i in range(350) if i % 3)
    assert len(seen) == expected
    assert f"of {expected}" in html
    assert page == -(-expected // 100)
    only_someone = client.get("/admin/audit?actor=SOMEONE@river").text
    assert "Showing 1–100 of 175" in only_someone
    one_day = client.get("/admin/audit?from=2026-03-04&to=2026-03-04").text
    assert "Showing 1–100 of 100" in one_day


# --- passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password2026!",
        "P@ssw0rd123456",
        "Safeguarding2025",
        "qwertyuiop123",
        "123456789012",
        "abcabcabcabcabc",
        "correct horse battery staple",
        "Summer2026!!!!",
        "W3lc0me!W3lc0me!",
    ],
)
def test_common_and_pattern_passwords_are_refused(password: str):
    assert password_problem(password, email="tom.hughes@oakfield.example.org") is not None


@pytest.mark.parametrize(
    "password",
    [
        "tom.hughes@oakfield.example.org",
        "TomHughes-2026!",
        "hughes rides a bike",
        "oakfield 4 ever x",
    ],
)
def test_passwords_with_the_email_in_them_are_refused(password: str):
    problem = password_problem(password, email="tom.hughes@oakfield.example.org")
    assert problem is not None and "email" in problem


@pytest.mark.parametrize(
    "password", ["a long enough password", "Spring tide at Riverbend quay", "violet kettle 9 drums"]
)
def test_ordinary_passphrases_pass(password: str):
    assert password_problem(password, email="tom.hughes@oakfield.example.org") is None


def test_admin_cannot_set_a_common_password(client, sqlite_engine, people):
    csrf = sign_in(client, sqlite_engine, people["admin"])
    page = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "email": "new.lead@riverbend.example.org",
            "role": "lead",
            "password": "Password12345!",
        },
    )
    assert page.status_code == 400
    assert "lists attackers try first" in page.text
    own = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf_in(page.text),
            "email": "new.lead@riverbend.example.org",
            "role": "lead",
            "password": "new.lead is here",
        },
    )
    assert own.status_code == 400 and "email" in own.text
