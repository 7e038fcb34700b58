"""The SLA job over the warehouse: idempotent, "as of" a time, stale rows removed, both dialects."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from tests.sla.conftest import run_sla
from tests.sla.factories import ThreadFactory, at, load
from trustwatch.db.engine import session_scope
from trustwatch.db.models import ResponseSla
from trustwatch.domain import ItemKind
from trustwatch.registry import Platform, Registry
from trustwatch.sla.job import compute_sla

COLUMNS = [c.name for c in ResponseSla.__table__.columns]


def _snapshot(engine: Engine) -> list[tuple]:
    with session_scope(engine) as session:
        rows = session.scalars(select(ResponseSla).order_by(ResponseSla.item_id)).all()
        return [tuple(getattr(r, c) for c in COLUMNS) for r in rows]


def _populate(engine: Engine, registry: Registry) -> dict[str, str]:
    """A small week of traffic on two schools and two platforms."""
    fb = ThreadFactory(engine, registry, "oakfield", Platform.FACEBOOK)
    rd = ThreadFactory(engine, registry, "millbrook", Platform.REDDIT)
    post = fb.make(created_at=at("2026-11-24T08:00"), from_school=True, kind=ItemKind.POST)
    c1 = fb.make(created_at=at("2026-11-24T09:00"), parent=post.external_id, root=post.external_id)
    c2 = fb.make(created_at=at("2026-11-24T09:30"), parent=post.external_id, root=post.external_id)
    ans = fb.make(
        created_at=at("2026-11-24T12:00"),
        from_school=True,
        parent=c1.external_id,
        root=post.external_id,
    )
    weekend = fb.make(created_at=at("2026-11-28T11:00"), author="p2", kind=ItemKind.VISITOR_POST)
    sub = rd.make(created_at=at("2026-11-25T08:00"), from_school=True, kind=ItemKind.POST)
    q = rd.make(
        created_at=at("2026-11-25T20:00"), author="u1", parent=sub.external_id, root=sub.external_id
    )
    load(engine, [post, c1, c2, ans, weekend, sub, q])
    return {
        "c1": c1.external_id,
        "c2": c2.external_id,
        "weekend": weekend.external_id,
        "q": q.external_id,
    }


def test_rerun_with_the_same_now_changes_nothing(sqlite_engine: Engine, registry: Registry) -> None:
    _populate(sqlite_engine, registry)
    now = at("2026-11-30T12:00")
    first_summary, _ = run_sla(sqlite_engine, registry, now)
    first = _snapshot(sqlite_engine)
    second_summary, _ = run_sla(sqlite_engine, registry, now)
    assert _snapshot(sqlite_engine) == first
    assert (first_summary.mode, second_summary.mode) == ("full", "incremental")
    assert first_summary.by_status == second_summary.by_status
    assert first_summary.clocks == 3 and first_summary.items == 4 and second_summary.deleted == 0
    assert first_summary.written == 4 and second_summary.written == 0, "a rerun writes nothing"


def test_statuses_follow_now(sqlite_engine: Engine, registry: Registry) -> None:
    ext = _populate(sqlite_engine, registry)
    _, early = run_sla(sqlite_engine, registry, at("2026-11-26T17:00"))
    assert early[ext["q"]].status == "at_risk", "3 h before its due time"
    assert ext["weekend"] not in early, "not yet received at that time"
    _, late = run_sla(sqlite_engine, registry, at("2026-11-30T12:00"))
    assert late[ext["q"]].status == "open_breached"
    assert late[ext["weekend"]].status == "open", "due at the end of Monday"
    assert late[ext["weekend"]].computed_at == at("2026-11-30T12:00")


def test_week_start_is_the_local_monday(sqlite_engine: Engine, registry: Registry) -> None:
    fb = ThreadFactory(sqlite_engine, registry, "oakfield", Platform.FACEBOOK)
    # 23:30 UTC on Sunday 7 June 2026 is 00:30 BST on Monday 8 June.
    late_sunday = fb.make(
        created_at=dt.datetime(2026, 6, 7, 23, 30, tzinfo=dt.UTC), kind=ItemKind.VISITOR_POST
    )
    sunday = fb.make(created_at=at("2026-06-07T12:00"), kind=ItemKind.VISITOR_POST, author="p3")
    load(sqlite_engine, [late_sunday, sunday])
    _, rows = run_sla(sqlite_engine, registry, at("2026-06-20T00:00"))
    assert rows[late_sunday.external_id].week_start == dt.date(2026, 6, 8)
    assert rows[sunday.external_id].week_start == dt.date(2026, 6, 1)


def test_item_deleted_later_loses_its_row(sqlite_engine: Engine, registry: Registry) -> None:
    fb = ThreadFactory(sqlite_engine, registry, "oakfield", Platform.FACEBOOK)
    visit = fb.make(created_at=at("2026-11-24T09:00"), kind=ItemKind.VISITOR_POST)
    load(sqlite_engine, [visit])
    summary, rows = run_sla(sqlite_engine, registry, at("2026-11-30T12:00"))
    assert visit.external_id in rows
    load(sqlite_engine, [visit.model_copy(update={"is_deleted": True})])
    summary, rows = run_sla(sqlite_engine, registry, at("2026-11-30T12:00"))
    assert rows == {} and summary.deleted == 1


def test_naive_now_is_refused(sqlite_engine: Engine, registry: Registry) -> None:
    with session_scope(sqlite_engine) as session, pytest.raises(ValueError, match="time zone"):
        compute_sla(session, registry, now=dt.datetime(2026, 11, 30, 12))


@pytest.mark.postgres
def test_same_rows_on_postgresql(
    pg_engine: Engine, sqlite_engine: Engine, registry: Registry
) -> None:
    now = at("2026-11-30T12:00")
    results = {}
    for name, engine in (("pg", pg_engine), ("sqlite", sqlite_engine)):
        ext = _populate(engine, registry)
        run_sla(engine, registry, now)
        _, rows = run_sla(engine, registry, now)
        results[name] = {
            key: (
                rows[e].status,
                rows[e].received_at,
                rows[e].due_at,
                rows[e].responded_at,
                rows[e].week_start,
            )
            for key, e in ext.items()
        }
    assert results["pg"] == results["sqlite"]
    assert results["pg"]["c1"][0] == "met" and results["pg"]["c2"][0] == "met"
