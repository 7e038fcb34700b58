"""The `sql/` views: exact weekly figures, their YAML tests, no author data, both dialects."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, inspect, text

from tests.sla.conftest import run_sla
from tests.sla.factories import ThreadFactory, at, classify, load
from trustwatch.alerts.engine import refresh_alerts
from trustwatch.db.engine import session_scope
from trustwatch.domain import ItemKind
from trustwatch.registry import Platform, Registry
from trustwatch.warehouse.views import MODELS, check_views, create_views, model_name, model_spec

NOW = at("2026-11-27T12:00")
AUTHOR_DATA = {
    "author_key",
    "handle",
    "author_handle",
    "display_name",
    "profile_url",
    "platform_author_id",
    "text",
    "raw",
    "url",
    "note",
    "actor",
    "marked_by",
    "responded_manually_by",
    "responded_manually_note",
    "assigned_to",
}


def _populate(engine: Engine, registry: Registry) -> None:
    fb = ThreadFactory(engine, registry, "oakfield", Platform.FACEBOOK)
    x = ThreadFactory(engine, registry, "millbrook", Platform.X)
    items = []
    answers = ["10:00", "11:00", "12:00", "13:00"]
    for n, answer in enumerate(answers):
        visit = fb.make(
            created_at=at("2026-11-24T09:00"), author=f"p{n}", kind=ItemKind.VISITOR_POST
        )
        items += [
            visit,
            fb.make(
                created_at=at(f"2026-11-24T{answer}"),
                from_school=True,
                parent=visit.external_id,
                root=visit.external_id,
            ),
        ]
    late = fb.make(created_at=at("2026-11-24T09:00"), author="p8", kind=ItemKind.VISITOR_POST)
    items += [
        late,
        fb.make(
            created_at=at("2026-11-25T15:00"),
            from_school=True,
            parent=late.external_id,
            root=late.external_id,
        ),
        fb.make(created_at=at("2026-11-25T09:00"), author="p9", kind=ItemKind.VISITOR_POST),
        fb.make(created_at=at("2026-11-27T10:00"), author="p10", kind=ItemKind.VISITOR_POST),
        fb.make(created_at=at("2026-11-26T10:00"), author="p11", on_account=False),
    ]
    mention = x.make(created_at=at("2026-11-26T09:00"), author="q1", kind=ItemKind.MENTION)
    items += [
        mention,
        x.make(
            created_at=at("2026-11-26T14:00"),
            from_school=True,
            parent=mention.external_id,
            root=mention.external_id,
        ),
    ]
    ids = load(engine, items)
    classify(engine, ids[late.external_id], "complaint", 0.91, above=True)
    run_sla(engine, registry, NOW)
    with session_scope(engine) as session:
        refresh_alerts(session, registry, now=NOW)
    create_views(engine)


def _rows(engine: Engine, sql: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


def test_weekly_figures_are_exact(any_engine: Engine, registry: Registry) -> None:
    _populate(any_engine, registry)
    rows = _rows(
        any_engine,
        "select s.school_key, w.* from sla_weekly w left join stg_schools s "
        "on s.school_id = w.school_id order by grain, school_key, platform",
    )
    by = {(r["grain"], r["school_key"], r["platform"]): r for r in rows}
    assert set(by) == {
        ("account", "millbrook", "x"),
        ("account", "oakfield", "facebook"),
        ("platform", None, "facebook"),
        ("platform", None, "x"),
        ("school", "millbrook", None),
        ("school", "oakfield", None),
    }
    for key in (("account", "oakfield", "facebook"), ("school", "oakfield", None)):
        row = by[key]
        assert str(row["week_start"])[:10] == "2026-11-23"
        assert (row["clock_count"], row["answered_count"], row["met_count"]) == (7, 5, 4)
        assert (row["answered_late_count"], row["open_breach_count"], row["open_count"]) == (
            1,
            1,
            1,
        )
        assert row["compliance_rate"] == pytest.approx(4 / 6)
        assert row["median_response_seconds"] == 3 * 3600, "nearest rank 3 of 5"
        assert row["p90_response_seconds"] == 30 * 3600, "nearest rank 5 of 5"
        assert row["median_response_hours"] == pytest.approx(3.0)
    x_row = by[("platform", None, "x")]
    assert x_row["compliance_rate"] == 1 and x_row["median_response_seconds"] == 5 * 3600


def test_marts_count_what_they_say(any_engine: Engine, registry: Registry) -> None:
    _populate(any_engine, registry)
    breaches = _rows(any_engine, "select sla_status, is_open_breach from sla_breaches")
    assert sorted(r["sla_status"] for r in breaches) == ["breached", "open_breached"]
    mentions = _rows(any_engine, "select * from mentions")
    assert len(mentions) == 9, "7 visitor posts, 1 keyword mention, 1 X mention"
    assert sum(bool(r["is_public_mention"]) for r in mentions) == 1
    assert sum(bool(r["is_response_needed"]) for r in mentions) == 8
    assert sum(bool(r["is_flagged"]) for r in mentions) == 1
    alerts = _rows(
        any_engine, "select alert_type, severity from alert_lifecycle order by alert_type"
    )
    assert [(a["alert_type"], a["severity"]) for a in alerts] == [
        ("complaint", "low"),
        ("sla_breached", "high"),
    ]
    responses = _rows(any_engine, "select * from responses")
    assert len(responses) == 8 and all(r["item_count"] == 1 for r in responses)


def test_yaml_tests_pass_and_catch_a_bad_row(any_engine: Engine, registry: Registry) -> None:
    _populate(any_engine, registry)
    assert check_views(any_engine) == []
    with any_engine.begin() as conn:
        conn.execute(
            text("update response_sla set status = 'late-ish' where item_id = clock_item_id")
        )
    failures = {(f.model, f.test, f.column) for f in check_views(any_engine)}
    assert ("stg_response_sla", "accepted_values", "sla_status") in failures
    assert ("responses", "accepted_values", "sla_status") in failures


def test_views_expose_no_author_data_and_match_their_yaml(
    any_engine: Engine, registry: Registry
) -> None:
    _populate(any_engine, registry)
    views = set(inspect(any_engine).get_view_names())
    for model in MODELS:
        name = model_name(model)
        assert name in views
        with any_engine.connect() as conn:
            columns = list(conn.execute(text(f"select * from {name} limit 0")).keys())
        assert not AUTHOR_DATA & set(columns), f"{name} exposes {AUTHOR_DATA & set(columns)}"
        documented = [c["name"] for c in model_spec(model).get("columns", [])]
        assert documented == columns, f"{name}: YAML columns differ from the view's"


def test_create_views_twice_is_harmless(sqlite_engine: Engine) -> None:
    first = create_views(sqlite_engine)
    assert create_views(sqlite_engine) == first
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("select count(*) from sla_weekly")).scalar_one() == 0


def test_weeks_split_on_local_monday(sqlite_engine: Engine, registry: Registry) -> None:
    fb = ThreadFactory(sqlite_engine, registry, "oakfield", Platform.FACEBOOK)
    load(
        sqlite_engine,
        [
            fb.make(created_at=at("2026-11-29T23:30"), author="a", kind=ItemKind.VISITOR_POST),
            fb.make(
                created_at=dt.datetime(2026, 11, 30, 0, 30, tzinfo=dt.UTC),
                author="b",
                kind=ItemKind.VISITOR_POST,
            ),
        ],
    )
    run_sla(sqlite_engine, registry, at("2026-12-10T00:00"))
    create_views(sqlite_engine)
    weeks = _rows(
        sqlite_engine, "select week_start, clock_count from sla_weekly where grain = 'school'"
    )
    assert sorted((str(w["week_start"]), w["clock_count"]) for w in weeks) == [
        ("2026-11-23", 1),
        ("2026-11-30", 1),
    ]
