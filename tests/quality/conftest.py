"""A small, consistent warehouse: items loaded, scored, clocked and alerted for real."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from tests.conftest import TEST_PSEUDONYM_SECRET
from trustwatch.alerts.engine import refresh_alerts
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Classification, Item
from trustwatch.domain import CanonicalItem
from trustwatch.registry import Registry
from trustwatch.sla.job import compute_sla
from trustwatch.warehouse.items import load_items

T0 = dt.datetime(2026, 11, 9, 9, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(hours=6)
OAKFIELD_X = "1500000000000000001"


def _items() -> list[CanonicalItem]:
    base = {"platform": "x", "kind": "mention", "stream": "x.mentions"}
    return [
        CanonicalItem(
            **base,
            external_id="m1",
            account_platform_id=OAKFIELD_X,
            author_platform_id="parent-1",
            text="@OakfieldPrimary who do I talk to about my son being picked on?",
            created_at=T0,
        ),
        CanonicalItem(
            **base,
            external_id="m2",
            account_platform_id=OAKFIELD_X,
            author_platform_id="parent-2",
            text="@OakfieldPrimary thank you for the lovely concert",
            created_at=T0 + dt.timedelta(hours=1),
        ),
        CanonicalItem(
            **{**base, "kind": "post", "stream": "x.tweets"},
            external_id="p1",
            account_platform_id=OAKFIELD_X,
            author_platform_id=OAKFIELD_X,
            is_from_school=True,
            text="Concert photos are on the website",
            created_at=T0 + dt.timedelta(hours=2),
        ),
    ]


def seed(engine: Engine, registry: Registry) -> None:
    with session_scope(engine) as session:
        load_items(session, _items(), pseudonym_secret=TEST_PSEUDONYM_SECRET.encode())
    with session_scope(engine) as session:
        for item_id, external_id in session.execute(select(Item.item_id, Item.external_id)):
            for label in registry.alerting.labels:
                score = 0.93 if (external_id, label) == ("m1", "bullying") else 0.02
                session.add(
                    Classification(
                        item_id=item_id,
                        label=label,
                        score=score,
                        is_above_threshold=score > 0.5,
                        model_version="test-1",
                        classified_at=NOW,
                    )
                )
    with session_scope(engine) as session:
        compute_sla(session, registry, now=NOW, pseudonym_secret=TEST_PSEUDONYM_SECRET.encode())
    with session_scope(engine) as session:
        refresh_alerts(session, registry, now=NOW)


@pytest.fixture
def seeded_sqlite(sqlite_engine: Engine, registry: Registry) -> Engine:
    seed(sqlite_engine, registry)
    return sqlite_engine


@pytest.fixture
def seeded_pg(pg_engine: Engine, registry: Registry) -> Engine:
    seed(pg_engine, registry)
    return pg_engine
