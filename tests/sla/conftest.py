"""Fixtures for the SLA tests: item factories per platform and a runner for the SLA job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from tests.sla.factories import ThreadFactory
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Item, ResponseSla
from trustwatch.registry import Platform, Registry
from trustwatch.sla.job import SlaRunSummary, compute_sla

RunSla = Callable[[dt.datetime], tuple[SlaRunSummary, dict[str, ResponseSla]]]


def run_sla(engine: Engine, registry: Registry, now: dt.datetime) -> tuple[SlaRunSummary, dict]:
    """Run the job; return its summary and the rows keyed by the item's external id."""
    with session_scope(engine) as session:
        summary = compute_sla(session, registry, now=now)
    with session_scope(engine) as session:
        rows = session.execute(
            select(Item.external_id, ResponseSla).join(Item, Item.item_id == ResponseSla.item_id)
        ).all()
        return summary, {external_id: row for external_id, row in rows}


@pytest.fixture
def sla_run(sqlite_engine: Engine, registry: Registry) -> RunSla:
    return lambda now: run_sla(sqlite_engine, registry, now)


@pytest.fixture
def facebook(sqlite_engine: Engine, registry: Registry) -> ThreadFactory:
    return ThreadFactory(sqlite_engine, registry, "oakfield", Platform.FACEBOOK)


@pytest.fixture
def x(sqlite_engine: Engine, registry: Registry) -> ThreadFactory:
    return ThreadFactory(sqlite_engine, registry, "oakfield", Platform.X)


@pytest.fixture
def reddit(sqlite_engine: Engine, registry: Registry) -> ThreadFactory:
    return ThreadFactory(sqlite_engine, registry, "millbrook", Platform.REDDIT)
