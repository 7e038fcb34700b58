"""The account administrators' response inbox: scope, order, marks, audit, no lead's text."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Engine, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import Alert, AuditLog, ManualResponse, ResponseSla
from trustwatch.sla.job import compute_sla

from .conftest import SECRET_TEXT, Casework, sign_in
from .factories import Post, add_alert, add_clock, add_thread

_ROW = re.compile(r'id="item-(\d+)"')


def _rows(html: str) -> list[int]:
    return [int(m) for m in _ROW.findall(html)]


def _seed(engine: Engine) -> dict[str, int]:
    """Oakfield (Tom's accounts): overdue, due soon, waiting, answered; Millbrook: one owed."""
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        oak = add_thread(
            session,
            school_key="oakfield",
            start=now - dt.timedelta(hours=30),
            posts=[
                Post("Oakfield post", author_id="s", from_school=True),
                Post("When is the trip payment due?", author_id="q1", minutes=1),
                Post("Can my child bring a packed lunch?", author_id="q2", minutes=2),
                Post("Who do I talk to about the bus?", author_id="q3", minutes=3),
                Post("Thanks for sorting the bus", author_id="q4", minutes=4),
            ],
        )
        ids = {
            "overdue": add_clock(session, oak[1], due_in=dt.timedelta(hours=24)).item_id,
            "soon": add_clock(session, oak[2], due_in=dt.timedelta(hours=31)).item_id,
            "waiting": add_clock(session, oak[3], due_in=dt.timedelta(hours=50)).item_id,
            "answered": add_clock(session, oak[4], responded_after=dt.timedelta(hours=1)).item_id,
        }
        add_alert(session, oak[1], alert_type="sla_breached", severity="high", score=None)
        mill = add_thread(
            session,
            school_key="millbrook",
            start=now - dt.timedelta(hours=2),
            posts=[
                Post("Millbrook post", author_id="m", from_school=True),
                Post("MILLBROOK question", author_id="mq", minutes=1),
            ],
        )
        ids["millbrook"] = add_clock(session, mill[1]).item_id
    return ids


def test_inbox_lists_owed_items_on_my_accounts_due_first(client, sqlite_engine, people):
    ids = _seed(sqlite_engine)
    sign_in(client, sqlite_engine, people["tom"])
    response = client.get("/inbox")
    assert response.status_code == 200
    html = response.text
    assert _rows(html) == [ids["overdue"], ids["soon"], ids["waiting"]]
    assert "MILLBROOK" not in html
    assert "Showing 1–3 of 3" in html
    row = html[html.index(f'id="item-{ids["overdue"]}"') :]
    assert "Overdue" in row[: row.index("</tr>")]
    soon = html[html.index(f'id="item-{ids["soon"]}"') :]
    assert "Due soon" in soon[: soon.index("</tr>")]
    assert _rows(client.get("/inbox?show=overdue").text) == [ids["overdue"]]
    # Sarah administers Millbrook's accounts only.
    other = client.__class__(client.app, follow_redirects=False)
    sign_in(other, sqlite_engine, people["sarah"])
    assert _rows(other.get("/inbox").text) == [ids["millbrook"]]
    with session_scope(sqlite_engine) as session:
        views = session.scalars(select(AuditLog).where(AuditLog.action == "inbox.view")).all()
    assert views[0].detail["item_ids"] == [ids["overdue"], ids["soon"], ids["waiting"]]


def test_safeguarding_text_stays_with_the_lead(client, sqlite_engine, casework: Casework, people):
    sign_in(client, sqlite_engine, people["tom"])
    html = client.get("/inbox").text
    assert casework.flagged_item_id in _rows(html)
    assert SECRET_TEXT not in html
    assert "leave this one to them" in html
    assert "worried_parent_4471" not in html


def test_responded_outside_the_platform(client, sqlite_engine, people):
    ids = _seed(sqlite_engine)
    csrf = sign_in(client, sqlite_engine, people["tom"])
    url = f"/inbox/{ids['soon']}/responded"
    refused = client.post(url, data={"csrf_token": csrf, "note": ""})
    assert refused.status_code == 400
    done = client.post(url, data={"csrf_token": csrf, "note": "Rang the parent back"})
    assert done.status_code == 303 and done.headers["location"] == "/inbox?done=responded"
    assert ids["soon"] not in _rows(client.get("/inbox").text)
    with session_scope(sqlite_engine) as session:
        sla = session.get_one(ResponseSla, ids["soon"])
        assert sla.responded_manually_by == people["tom"].email
        assert sla.status == "met"
        audit = session.scalars(
            select(AuditLog).where(AuditLog.action == "sla.responded_outside")
        ).all()
    assert [a.target_id for a in audit] == [str(ids["soon"])]


def test_no_response_needed_needs_a_reason_is_audited_and_survives_the_sla_job(
    client, sqlite_engine, registry, people
):
    ids = _seed(sqlite_engine)
    csrf = sign_in(client, sqlite_engine, people["tom"])
    url = f"/inbox/{ids['overdue']}/not-needed"
    refused = client.post(url, data={"csrf_token": csrf, "reason": "  "})
    assert refused.status_code == 400 and "say why" in refused.text
    done = client.post(url, data={"csrf_token": csrf, "reason": "Answered at parents' evening"})
    assert done.status_code == 303
    assert ids["overdue"] not in _rows(client.get("/inbox").text)
    with session_scope(sqlite_engine) as session:
        mark = session.scalars(select(ManualResponse)).one()
        assert (mark.kind, mark.note) == ("not_needed", "Answered at parents' evening")
        assert session.get(ResponseSla, ids["overdue"]) is None
        breach = session.scalars(select(Alert).where(Alert.alert_type == "sla_breached")).one()
        assert breach.status == "resolved"
        (entry,) = session.scalars(
            select(AuditLog).where(AuditLog.action == "sla.no_response_needed")
        ).all()
        assert entry.actor == people["tom"].email
        assert entry.target_id == str(ids["overdue"])
        assert "parents" not in str(entry.detail)  # the reason stays in the mark, not the log
        # The SLA job recomputes every clock and keeps the decision.
        compute_sla(session, registry, now=dt.datetime.now(dt.UTC))
        assert session.get(ResponseSla, ids["overdue"]) is None


def test_items_on_other_accounts_are_404(client, sqlite_engine, people):
    ids = _seed(sqlite_engine)
    csrf = sign_in(client, sqlite_engine, people["tom"])
    response = client.post(
        f"/inbox/{ids['millbrook']}/not-needed", data={"csrf_token": csrf, "reason": "x"}
    )
    assert response.status_code == 404
    with session_scope(sqlite_engine) as session:
        assert session.get(ResponseSla, ids["millbrook"]) is not None


def test_an_account_admin_named_nowhere_is_told_so(client, sqlite_engine):
    from trustwatch.web.roles import Role

    from .conftest import Person
    from .factories import make_user

    with session_scope(sqlite_engine) as session:
        user = make_user(session, email="stranger@riverbend.example.org", role=Role.ACCOUNT_ADMIN)
        person = Person(user.user_id, user.email, Role.ACCOUNT_ADMIN)
    sign_in(client, sqlite_engine, person)
    assert "names your email" in client.get("/inbox").text
