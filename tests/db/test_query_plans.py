"""Every query the hourly path runs seeks by index on PostgreSQL: no Seq Scan on big tables.

A warehouse of 20,000 items (six scores each, clocks and alerts derived by the real full
rebuild) is written with set-based SQL, ANALYZEd, and then one hour brings 20 new items
through the real loader, the classify job, the SLA job, the alert refresh and the
warehouse checks. Every SELECT they send is recorded at the DBAPI level and EXPLAINed with
its own parameters; the plans must not scan items, classifications, response_sla or
alerts sequentially. Nothing here disables sequential scans: the planner chooses the
index because the hour's predicates (stamps after the last run, keys in a short list,
clocks coming due) are selective, which is the point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from classifiers.job import classify_items
from tests.conftest import TEST_PSEUDONYM_SECRET
from tests.dags.keyword_classifier import KeywordClassifier
from trustwatch.alerts import engine as alerts_engine
from trustwatch.alerts.engine import refresh_alerts
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Classification
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.quality.warehouse import Scope, check_warehouse
from trustwatch.registry import Platform, Registry
from trustwatch.sla import job as sla_job
from trustwatch.sla.job import compute_sla
from trustwatch.warehouse.cursors import load_cursor
from trustwatch.warehouse.items import load_items

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
BIG_TABLES = {"items", "classifications", "response_sla", "alerts"}
OAKFIELD_FB = "100000000000101"

_SEED = f"""
insert into authors (author_key, platform, platform_author_id, first_seen_at, last_seen_at)
select 'a' || g, 'facebook', 'p' || g, now(), now() from generate_series(1, 3000) g;

insert into items (platform, external_id, kind, stream, school_id, account_id,
                   parent_external_id, thread_root_external_id, author_key, is_from_school,
                   text, created_at, is_deleted, content_hash, ingested_at, updated_at)
select 'facebook', 'e' || g, case when g % 5 = 1 then 'post' else 'comment' end,
       'facebook:bulk', a.school_id, a.account_id,
       case when g % 5 = 1 then null else 'e' || (g - (g - 1) % 5) end,
       'e' || (g - (g - 1) % 5),
       case when g % 5 in (1, 0) then null else 'a' || (1 + g % 3000) end,
       g % 5 in (1, 0),
       case when g % 997 = 0 then 'Win at https://spam.example' else 'When is the trip?' end,
       timestamptz '{NOW:%Y-%m-%d %H:%M}+00' - interval '730 days'
           + g * interval '50 minutes',
       false, md5(g::text), timestamptz '2026-01-01+00', timestamptz '2026-01-01+00'
from generate_series(1, 20000) g
cross join (select account_id, school_id from accounts
            where platform = 'facebook' and platform_account_id = '{OAKFIELD_FB}') a;

insert into classifications (item_id, label, score, is_above_threshold, model_version,
                             classified_at)
select i.item_id, l.label, (i.item_id * 7919 % 1000) / 1000.0 * 0.6,
       (i.item_id * 7919 % 1000) > 830, 'keyword-test-1', timestamptz '2026-01-01+00'
from items i
cross join (values ('abuse'), ('bullying'), ('hate'), ('complaint'), ('safeguarding'))
    as l(label);
"""


def _hour() -> list[CanonicalItem]:
    items = []
    for n in range(20):
        items.append(
            CanonicalItem(
                platform=Platform.FACEBOOK,
                external_id=f"hour-{n}",
                kind=ItemKind.COMMENT,
                stream="facebook:test",
                account_platform_id=OAKFIELD_FB,
                parent_external_id="e19996" if n % 2 else None,
                thread_root_external_id="e19996" if n % 2 else None,
                author_platform_id=f"parent-{n}",
                text="Why was the trip cancelled? I'm disappointed",
                created_at=NOW - dt.timedelta(minutes=50 - n),
            )
        )
    return items


def _plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


@pytest.fixture
def hourly_statements(
    pg_engine: Engine, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, Any]]:
    raw = pg_engine.raw_connection()  # no parameters: `%` in the SQL stays modulo
    try:
        raw.cursor().execute(_SEED)
        raw.commit()
    finally:
        raw.close()
    return record_hour(pg_engine, registry, monkeypatch)


def record_hour(
    engine: Engine, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, Any]]:
    """On a seeded warehouse: the hours before, then one hour; its SELECTs, as sent."""
    # The jobs re-read the last ten minutes (late commits); the whole setup takes less, so
    # without this the "hour" would re-read the setup's 120,000 scores.
    monkeypatch.setattr(sla_job, "OVERLAP", dt.timedelta(0))
    monkeypatch.setattr(alerts_engine, "OVERLAP", dt.timedelta(0))
    previous = NOW - dt.timedelta(hours=1)
    with session_scope(engine) as session:  # the hours before were scored (flags too),
        classify_items(session, KeywordClassifier())
    with session_scope(engine) as session:  # clocked, alerted and checked
        compute_sla(session, registry, now=previous, full=True)
    with session_scope(engine) as session:
        refresh_alerts(session, registry, now=previous, full=True)
    from trustwatch.db.models import utcnow
    from trustwatch.warehouse.cursors import save_cursor

    with session_scope(engine) as session:
        save_cursor(session, "checks", as_of=previous, changed_since=utcnow(), fingerprint="")
    with session_scope(engine) as session:  # the loader stamps from here on are newer
        assert session.scalar(select(func.max(Classification.classified_at))) < utcnow()
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()  # SQLite: connections opened before ANALYZE keep the old plans

    recorded: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().lower().startswith(("select", "with")):
            recorded.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with session_scope(engine) as session:
            load_items(session, _hour(), pseudonym_secret=TEST_PSEUDONYM_SECRET.encode())
        with session_scope(engine) as session:
            classify_items(session, KeywordClassifier(), changed_since=previous)
        with session_scope(engine) as session:
            summary = compute_sla(session, registry, now=NOW)
            assert summary.mode == "incremental"
        with session_scope(engine) as session:
            assert refresh_alerts(session, registry, now=NOW).mode == "incremental"
        with session_scope(engine) as session:
            cursor = load_cursor(session, "checks")
            assert cursor is not None and cursor.changed_since and cursor.as_of
            scope = Scope.changed(cursor.changed_since, cursor.as_of, rerun=False)
            outcomes = check_warehouse(session, registry, scope)
            assert all(o.rows_checked < 1000 for o in outcomes), "the window is the hour"
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return recorded


def test_hourly_queries_never_scan_big_tables(
    pg_engine: Engine, hourly_statements: list[tuple[str, Any]]
) -> None:
    assert len(hourly_statements) > 20
    scans: list[str] = []
    with pg_engine.connect() as conn:
        for statement, parameters in hourly_statements:
            plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
            for node in _plan_nodes(plan[0]["Plan"]):
                if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES:
                    scans.append(f"{node['Relation Name']}: {' '.join(statement.split())[:300]}")
    assert scans == [], "\n".join(scans)
