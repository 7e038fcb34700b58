"""The post-load suites pass on a consistent warehouse and name each kind of breach."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, update

from trustwatch.db.engine import session_scope
from trustwatch.db.models import Alert, Classification, Item, ResponseSla, School
from trustwatch.quality.warehouse import check_warehouse
from trustwatch.registry import Registry


def failures(engine: Engine, registry: Registry) -> dict[str, set[str]]:
    with session_scope(engine) as session:
        outcomes = check_warehouse(session, registry)
    return {o.suite: {f.check for f in o.failures} for o in outcomes if not o.success}


def test_consistent_warehouse_passes(seeded_sqlite: Engine, registry: Registry) -> None:
    with session_scope(seeded_sqlite) as session:
        assert session.scalar(select(func.count()).select_from(ResponseSla)) >= 1
        assert session.scalar(select(func.count()).select_from(Alert)) >= 1
        outcomes = check_warehouse(session, registry)
    assert [o.suite for o in outcomes] == [
        "warehouse_items",
        "warehouse_classifications",
        "warehouse_response_sla",
        "warehouse_alerts",
    ]
    assert all(o.success for o in outcomes), [o.failures for o in outcomes]
    assert all(o.rows_checked > 0 for o in outcomes)


@pytest.mark.postgres
def test_consistent_warehouse_passes_on_postgresql(seeded_pg: Engine, registry: Registry) -> None:
    assert failures(seeded_pg, registry) == {}


def test_score_out_of_range_is_caught(seeded_sqlite: Engine, registry: Registry) -> None:
    with session_scope(seeded_sqlite) as session:
        first = session.scalar(select(func.min(Classification.classification_id)))
        session.execute(
            update(Classification)
            .where(Classification.classification_id == first)
            .values(score=1.7)
        )
    assert failures(seeded_sqlite, registry) == {
        "warehouse_classifications": {"scores_in_unit_interval"}
    }


def test_unknown_label_and_severity_are_caught(seeded_sqlite: Engine, registry: Registry) -> None:
    with session_scope(seeded_sqlite) as session:
        session.execute(
            update(Classification).where(Classification.label == "hate").values(label="spam")
        )
        session.execute(update(Alert).values(severity="urgent"))
    assert failures(seeded_sqlite, registry) == {
        "warehouse_classifications": {"labels_known"},
        "warehouse_alerts": {"alert_severity_known"},
    }


def test_item_pointing_at_another_schools_account_is_caught(
    seeded_sqlite: Engine, registry: Registry
) -> None:
    with session_scope(seeded_sqlite) as session:
        other = session.scalar(select(School.school_id).where(School.school_key == "millbrook"))
        session.execute(update(Item).where(Item.external_id == "m2").values(school_id=other))
    assert failures(seeded_sqlite, registry)["warehouse_items"] == {"items_account_consistent"}


def test_sla_row_for_the_schools_own_post_is_caught(
    seeded_sqlite: Engine, registry: Registry
) -> None:
    with session_scope(seeded_sqlite) as session:
        row = session.scalars(select(ResponseSla)).first()
        own_post = session.scalar(select(Item.item_id).where(Item.external_id == "p1"))
        session.add(
            ResponseSla(
                item_id=own_post,
                school_id=row.school_id,
                account_id=row.account_id,
                clock_item_id=own_post,
                received_at=row.received_at,
                due_at=row.received_at,
                status="open",
            )
        )
    assert failures(seeded_sqlite, registry) == {
        "warehouse_response_sla": {"sla_item_needs_response", "sla_due_after_received"}
    }


def test_sla_row_whose_clock_has_no_row_is_caught(
    seeded_sqlite: Engine, registry: Registry
) -> None:
    with session_scope(seeded_sqlite) as session:
        m2 = session.scalar(select(Item.item_id).where(Item.external_id == "m2"))
        p1 = session.scalar(select(Item.item_id).where(Item.external_id == "p1"))
        session.execute(
            update(ResponseSla).where(ResponseSla.item_id == m2).values(clock_item_id=p1)
        )
    assert failures(seeded_sqlite, registry) == {"warehouse_response_sla": {"sla_clock_has_row"}}
