"""Dashboards: correct aggregates, charts and CSV, and nothing identifying for data staff."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import Engine, select, text

from trustwatch.db.engine import session_scope
from trustwatch.db.models import AuditLog

from .conftest import OTHER_HANDLE, SECRET_HANDLE, SECRET_TEXT, Casework, sign_in
from .factories import Post, add_alert, add_clock, add_score, add_thread


def _csv(client, name: str, query: str = "") -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    response = client.get(f"/dashboards/export/{name}.csv{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def _sla_case(engine: Engine) -> None:
    """Millbrook: four clocks: met in 2 h, met in 10 h, late (30 h), overdue; the overdue
    one is a run of two messages by one author, which is one clock, counted once."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    with session_scope(engine) as session:
        items = add_thread(
            session,
            school_key="millbrook",
            start=start,
            posts=[Post("root", author_id="mb", from_school=True)]
            + [Post(f"question {i}", author_id=f"q{i}", minutes=i) for i in range(4)]
            + [Post("hello?? anyone", author_id="q3", minutes=9)],
        )
        add_clock(session, items[1], responded_after=dt.timedelta(hours=2))
        add_clock(session, items[2], responded_after=dt.timedelta(hours=10))
        add_clock(session, items[3], responded_after=dt.timedelta(hours=30))
        add_clock(session, items[4])  # never answered, due long ago
        add_clock(session, items[5], clock_of=items[4])


def test_sla_figures_are_computed_from_the_clocks(client, sqlite_engine, people):
    _sla_case(sqlite_engine)
    sign_in(client, sqlite_engine, people["data"])
    rows = _csv(client, "sla", "?school=millbrook")
    assert len(rows) in (1, 2)  # one week, or two if the clocks straddle a Monday
    received = sum(int(r["received"]) for r in rows)
    met = sum(int(r["met"]) for r in rows)
    late = sum(int(r["late"]) for r in rows)
    overdue = sum(int(r["overdue"]) for r in rows)
    assert (received, met, late, overdue) == (4, 2, 1, 1)
    page = client.get("/dashboards?school=millbrook").text
    # Whole window: 2 met of 4 decided = 50%; median of 2, 10, 30 hours = 10.0.
    assert "<td>Millbrook High School</td><td>4</td>" in page
    assert "<td>50%</td>" in page and "<td>10.0</td>" in page


def test_sla_figures_agree_with_the_sla_weekly_view(client, sqlite_engine, people):
    _sla_case(sqlite_engine)
    sign_in(client, sqlite_engine, people["data"])
    mine = {(r["week_start"], r["school"]): r for r in _csv(client, "sla")}
    with session_scope(sqlite_engine) as session:
        weekly = session.execute(
            text(
                "select w.week_start, s.name, w.clock_count, w.met_count, w.compliance_rate, "
                "w.median_response_hours, w.p90_response_hours from sla_weekly w "
                "join schools s on s.school_id = w.school_id where w.grain = 'school'"
            )
        ).all()
    assert weekly
    for week, school, clocks, met, rate, median, p90 in weekly:
        row = mine[(str(week), school)]
        assert int(row["received"]) == clocks and int(row["met"]) == met
        assert (row["compliance"] or None) == (None if rate is None else f"{rate:.4f}")
        assert (row["median_hours"] or None) == (None if median is None else f"{median:.2f}")
        assert (row["p90_hours"] or None) == (None if p90 is None else f"{p90:.2f}")


def test_volumes_by_school_platform_and_category(client, sqlite_engine, casework, people):
    sign_in(client, sqlite_engine, people["data"])
    by_school = _csv(client, "volume")
    totals = {}
    for row in by_school:
        totals[row["school"]] = totals.get(row["school"], 0) + int(row["items"])
    # School posts are not "received"; Oakfield got 2 comments, Millbrook 1.
    assert totals == {"Oakfield Primary Academy": 2, "Millbrook High School": 1}
    by_platform = _csv(client, "volume", "?dimension=platform")
    platform_totals = {}
    for row in by_platform:
        platform_totals[row["platform"]] = platform_totals.get(row["platform"], 0) + int(
            row["items"]
        )
    assert platform_totals == {"facebook": 2, "x": 1}
    by_category = _csv(client, "volume", "?dimension=category")
    category_totals = {}
    for row in by_category:
        category_totals[row["category"]] = category_totals.get(row["category"], 0) + int(
            row["items"]
        )
    # Only scores above threshold count: the 0.02 abuse score on the reply does not.
    assert category_totals == {"safeguarding": 1, "bullying": 1, "abuse": 1}


def test_open_alerts_by_age(client, sqlite_engine, casework: Casework, people):
    sign_in(client, sqlite_engine, people["data"])
    rows = _csv(client, "open_alerts")
    table = {(r["age"], r["severity"]): int(r["open_alerts"]) for r in rows}
    # Oakfield's two alerts were raised ~30 h ago, Millbrook's ~3 h ago.
    assert table[("1-3 days", "critical")] == 1
    assert table[("1-3 days", "low")] == 1
    assert table[("under 4 h", "medium")] == 1
    assert sum(table.values()) == 3


def test_repeat_authors_are_pseudonymous(client, sqlite_engine, people):
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with session_scope(sqlite_engine) as session:
        items = add_thread(
            session,
            school_key="oakfield",
            start=start,
            posts=[Post("root", author_id="s", from_school=True)]
            + [
                Post(f"nasty {i}", author_id="troll", handle="troll_handle", minutes=i)
                for i in range(3)
            ],
        )
        for item in items[1:]:
            add_score(session, item, "abuse", 0.9)
        add_alert(session, items[1], alert_type="abuse", severity="medium")
        key = items[1].author_key
    sign_in(client, sqlite_engine, people["data"])
    rows = _csv(client, "repeat_authors")
    assert rows == [
        {
            "author_pseudonym": key[:10],
            "flagged_items": "3",
            "schools": "1",
            "last_item_at": rows[0]["last_item_at"],
        }
    ]
    assert "troll_handle" not in client.get("/dashboards").text


def test_data_staff_never_see_text_or_handles(client, sqlite_engine, casework, people):
    _sla_case(sqlite_engine)
    sign_in(client, sqlite_engine, people["data"])
    bodies = [client.get("/dashboards").text]
    for dimension in ("school", "platform", "category"):
        bodies.append(client.get(f"/dashboards?dimension={dimension}").text)
        for chart in ("volume", "compliance", "response_times", "open_alerts"):
            response = client.get(f"/dashboards/charts/{chart}.svg?dimension={dimension}")
            assert response.status_code == 200
            assert response.headers["content-type"] == "image/svg+xml"
            assert response.text.lstrip().startswith("<?xml")
            bodies.append(response.text)
        for dataset in ("volume", "sla", "open_alerts", "repeat_authors"):
            bodies.append(
                client.get(f"/dashboards/export/{dataset}.csv?dimension={dimension}").text
            )
    for body in bodies:
        for secret in (SECRET_TEXT, SECRET_HANDLE, OTHER_HANDLE, "worried.parent", "angry_one"):
            assert secret not in body
    assert client.get(f"/alerts/{casework.oak_alert_id}").status_code == 403
    assert client.get(f"/mentions/{casework.flagged_item_id}").status_code == 403


def test_exports_are_audited(client, sqlite_engine, people):
    sign_in(client, sqlite_engine, people["data"])
    _csv(client, "sla", "?school=oakfield")
    with session_scope(sqlite_engine) as session:
        rows = list(session.scalars(select(AuditLog).where(AuditLog.action == "dashboard.export")))
    assert len(rows) == 1
    assert rows[0].actor == people["data"].email
    assert rows[0].target_id == "sla"
    assert rows[0].detail["school"] == "oakfield"


def test_unknown_chart_or_dataset_is_404(client, sqlite_engine, people):
    sign_in(client, sqlite_engine, people["data"])
    assert client.get("/dashboards/charts/secrets.svg").status_code == 404
    assert client.get("/dashboards/export/authors.csv").status_code == 404


def test_a_school_scoped_data_user_sees_only_their_school(client, sqlite_engine, casework):
    from trustwatch.web.roles import Role

    from .conftest import Person
    from .factories import make_user

    with session_scope(sqlite_engine) as session:
        user = make_user(
            session, email="data@millbrook.example.org", role=Role.DATA, school_key="millbrook"
        )
        person = Person(user.user_id, user.email, Role.DATA)
    sign_in(client, sqlite_engine, person)
    schools = {r["school"] for r in _csv(client, "volume")}
    assert schools == {"Millbrook High School"}
    # Asking for another school's figures yields nothing rather than leaking them.
    assert _csv(client, "volume", "?school=oakfield") == []


def test_data_checks_page_shows_results_but_never_failing_samples(client, sqlite_engine, people):
    from trustwatch.quality.runner import Failure, SuiteOutcome
    from trustwatch.quality.store import record_outcome

    end = dt.datetime(2026, 11, 17, 12, tzinfo=dt.UTC)
    failing = SuiteOutcome(
        suite="items_batch",
        success=False,
        evaluated=7,
        rows_checked=40,
        failures=(
            Failure(
                check="text_length",
                reason="text longer than 70,000 characters",
                unexpected_count=1,
                rows=(3,),
                sample=(SECRET_TEXT,),
            ),
        ),
    )
    passing = SuiteOutcome(suite="warehouse_items", success=True, evaluated=4, rows_checked=40)
    with session_scope(sqlite_engine) as session:
        record_outcome(session, failing, target="x", interval=(end - dt.timedelta(hours=1), end))
        record_outcome(session, passing, target="warehouse", interval=(end, end))
    sign_in(client, sqlite_engine, people["data"])
    page = client.get("/dashboards/checks")
    assert page.status_code == 200
    assert "2 recent suite runs, 1 with failures." in page.text
    assert "text_length: text longer than 70,000 characters (1)" in page.text
    assert "FAILED" in page.text and "passed" in page.text
    assert SECRET_TEXT not in page.text


def test_data_checks_page_counts_quarantine_without_payloads(client, sqlite_engine, people):
    from trustwatch.warehouse.quarantine import QuarantineRecord, quarantine

    record = QuarantineRecord(
        platform="x",
        stream="x.mentions",
        partition="x:oakfield:mentions",
        reason="invalid text: field data.text holds a lone UTF-16 surrogate",
        check_name="record_check",
        payload={"data": {"id": "1", "text": SECRET_TEXT}},
    )
    other = QuarantineRecord(**{**record.__dict__, "payload": {"data": {"id": "2"}}})
    with session_scope(sqlite_engine) as session:
        quarantine(session, [record, other])
    sign_in(client, sqlite_engine, people["data"])
    page = client.get("/dashboards/checks")
    assert page.status_code == 200
    assert "2 record(s) set aside at ingest" in page.text
    assert "record_check" in page.text and "x.mentions" in page.text
    assert SECRET_TEXT not in page.text
