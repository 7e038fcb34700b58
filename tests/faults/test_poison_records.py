"""A poison record never wedges a partition: every bad shape, on every stream, on SQLite
and PostgreSQL. The good records on its page load, the bad one is quarantined once with
its reason, the cursor moves, and the next run loads what is new."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from tests.conftest import postgres_server_url
from tests.faults import poison
from tests.faults.streams import SCRIPT_APP, SCRIPT_APP_PASSWORD, SPECS
from tests.faults.warehouses import empty_ingest_tables, scratch_postgres
from trustwatch.registry import Registry

CASES = poison.cases()


@pytest.fixture(autouse=True)
def script_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inbox streams need a Reddit script app (username and password)."""
    for name, value in {**SCRIPT_APP, **SCRIPT_APP_PASSWORD}.items():
        monkeypatch.setenv(name, value)


def test_every_stream_and_shape_is_covered(registry: Registry) -> None:
    from trustwatch.ingest import plan_partitions

    assert {p.stream_cls.name for p in plan_partitions(registry)} == set(SPECS)
    assert len(CASES) >= 12 * 8
    for stream in SPECS:
        shapes = {shape for s, shape in CASES if s == stream}
        assert {
            "lone_surrogate",
            "nan",
            "deeply_nested",
            "nested_past_decoder",
            "null_record",
        } <= shapes


def check(outcome: poison.Outcome) -> None:
    shape = poison.SHAPES[outcome.shape]
    assert outcome.errors == [], outcome.errors  # no wedged partition, no failed run
    assert outcome.lost == set(), f"good records lost: {sorted(outcome.lost)}"
    assert outcome.cursor_error is None
    assert outcome.bookmark is not None  # the cursor moved past the page
    if shape.reason is None:
        assert outcome.quarantined == []
        return
    assert len(outcome.quarantined) == 1, outcome.quarantined  # once, though read twice
    check_name, reason = outcome.quarantined[0]
    assert shape.reason in f"{check_name} {reason}", (check_name, reason)


@pytest.mark.parametrize(("stream", "shape"), CASES)
def test_poison_record_on_sqlite(
    stream: str, shape: str, fresh_sqlite: Callable[[str], Engine], registry: Registry
) -> None:
    engine = fresh_sqlite(f"{stream}-{shape}")
    check(poison.run_case(engine, registry, stream, shape))


@pytest.fixture(scope="module")
def pg_warehouse(registry: Registry) -> Iterator[Engine]:
    with scratch_postgres(postgres_server_url(), registry, prefix="trustwatch_poison") as engine:
        yield engine


@pytest.mark.postgres
@pytest.mark.parametrize(("stream", "shape"), CASES)
def test_poison_record_on_postgresql(
    stream: str, shape: str, pg_warehouse: Engine, registry: Registry
) -> None:
    empty_ingest_tables(pg_warehouse)
    check(poison.run_case(pg_warehouse, registry, stream, shape))
