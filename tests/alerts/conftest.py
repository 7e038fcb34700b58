"""Fixtures for alert tests: a warehouse with a few classified items and SLA clocks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from tests.sla.conftest import run_sla
from tests.sla.factories import ThreadFactory, at, load
from trustwatch.alerts.engine import RefreshSummary, refresh_alerts
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Alert, AlertEvent
from trustwatch.registry import Platform, Registry

Refresh = Callable[[dt.datetime], RefreshSummary]


def refresh(
    engine: Engine, registry: Registry, now: dt.datetime, *, full: bool = False
) -> RefreshSummary:
    """The SLA job then the alert engine, as `trustwatch alerts refresh` runs them.

    Incremental after the first run unless `full`: then every score and clock is re-judged.
    """
    run_sla(engine, registry, now)
    with session_scope(engine) as session:
        return refresh_alerts(session, registry, now=now, full=full)


def alerts_by_key(engine: Engine) -> dict[str, Alert]:
    with session_scope(engine) as session:
        return {a.dedupe_key: a for a in session.scalars(select(Alert))}


def events(engine: Engine, alert_id: int) -> list[AlertEvent]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(AlertEvent)
                .where(AlertEvent.alert_id == alert_id)
                .order_by(AlertEvent.alert_event_id)
            )
        )


@pytest.fixture
def facebook(sqlite_engine: Engine, registry: Registry) -> ThreadFactory:
    return ThreadFactory(sqlite_engine, registry, "oakfield", Platform.FACEBOOK)


@pytest.fixture
def visitor_post(facebook: ThreadFactory, sqlite_engine: Engine) -> int:
    """An unanswered visitor post on Wednesday 25 November 2026 at 10:00 (due Thursday 10:00)."""
    post = facebook.make(created_at=at("2026-11-25T10:00"), kind="visitor_post")
    return load(sqlite_engine, [post])[post.external_id]
