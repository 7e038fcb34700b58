"""The whole DAG chain, end to end through `dag.test()`, on SQLite and on PostgreSQL.

Ingest replays the bundled corpus (the replay source, as of each run's clock); classify
uses a keyword stand-in for the transformer (tests/dags/keyword_classifier.py); the SLA
job, alert engine and data checks are the real ones. The partition-failure test drives
the live X connector against HTTP responses mocked at the network boundary.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import responses
from sqlalchemy import Engine, func, select, text

from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.models import (
    Alert,
    Classification,
    IngestState,
    Item,
    ResponseSla,
    ValidationResult,
)
from trustwatch.pipeline.defaults import RETRIES
from trustwatch.pipeline.simulation import CHAIN, run_chain
from trustwatch.settings import PROJECT_ROOT

# Two simulated hours on the corpus's first Monday, when its first items arrive.
FIRST = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
SECOND = FIRST + dt.timedelta(hours=1)
TABLES = (
    "items",
    "authors",
    "classifications",
    "response_sla",
    "alerts",
    "alert_events",
    "quarantine",
    "ingest_state",
    "validation_results",
)


@pytest.fixture
def pipeline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTWATCH_INGEST_SOURCE", "replay")
    monkeypatch.setenv("TRUSTWATCH_CLASSIFIER", "tests.dags.keyword_classifier:make")


@pytest.fixture
def dags(dagbag) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {dag_id: dagbag.get_dag(dag_id) for dag_id in CHAIN}


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            table: sorted(
                (
                    tuple(str(v) for v in row)
                    for row in conn.execute(text(f"select * from {table}"))
                ),
            )
            for table in TABLES
        }


def run_and_check_chain(url: str, dags: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", url)
    for at in (FIRST, SECOND):
        step = run_chain(dags, at)
        assert step.failed == [], step.states
    engine = make_engine(url)
    with session_scope(engine) as session:
        items = session.scalar(select(func.count()).select_from(Item))
        scored = session.scalar(select(func.count(func.distinct(Classification.item_id))))
        clocks = session.scalar(select(func.count()).select_from(ResponseSla))
        cursors = session.scalar(select(func.count()).select_from(IngestState))
        suites = {(r.suite_name, r.success) for r in session.scalars(select(ValidationResult))}
        latest = session.scalar(select(func.max(Item.created_at)))
        alerts_after_item = session.scalar(
            select(func.count())
            .select_from(Alert)
            .join(Item, Item.item_id == Alert.item_id)
            .where(Alert.created_at < Item.created_at)
        )
    assert items > 0 and scored == items  # every loaded item was scored
    assert clocks > 0 and cursors > 0
    assert latest <= SECOND  # nothing from the simulated future
    assert alerts_after_item == 0
    assert {s for s, ok in suites if not ok} == set()
    assert {"items_batch", "warehouse_items", "warehouse_response_sla"} <= {s for s, _ in suites}
    return engine


@pytest.mark.slow
def test_chain_on_sqlite_and_rerun_changes_nothing(
    sqlite_url: str, sqlite_engine: Engine, dags, pipeline_env, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    engine = run_and_check_chain(sqlite_url, dags, monkeypatch)
    before = snapshot(engine)
    step = run_chain(dags, SECOND)  # the same interval again, every DAG
    assert step.failed == []
    assert snapshot(engine) == before


@pytest.mark.slow
def test_assets_link_the_runs(
    sqlite_url: str, sqlite_engine: Engine, dags, pipeline_env, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", sqlite_url)
    assert run_chain(dags, FIRST).failed == []
    with create_session() as session:
        events = session.execute(
            select(AssetModel.name, AssetEvent.source_dag_id, AssetEvent.extra).join(
                AssetModel, AssetModel.id == AssetEvent.asset_id
            )
        ).all()
    by_asset = {name: {dag for n, dag, _ in events if n == name} for name, _, _ in events}
    assert {"ingest_x", "ingest_reddit", "ingest_facebook"} <= by_asset["trustwatch_items"]
    assert by_asset["trustwatch_classifications"] == {"classify"}
    assert by_asset["trustwatch_alerts"] == {"sla_and_alerts"}
    assert by_asset["trustwatch_checks"] == {"warehouse_checks"}
    partitions = {extra.get("partition") for n, _, extra in events if n == "trustwatch_items"}
    assert "x:oakfield:mentions" in partitions and "reddit:Riverbend" in partitions


@pytest.mark.slow
@pytest.mark.postgres
def test_chain_on_postgresql(
    pg_url: str, pg_engine: Engine, dags, pipeline_env, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    engine = run_and_check_chain(pg_url, dags, monkeypatch)
    before = snapshot(engine)
    assert run_chain(dags, SECOND, chain=("ingest_x", "classify")).failed == []
    assert snapshot(engine) == before


def _x_page(path: str) -> dict[str, Any]:
    folder = PROJECT_ROOT / "connectors" / "replay" / "corpus" / "x" / path
    return json.loads(sorted(folder.glob("*.json"))[0].read_text())


@pytest.mark.slow
def test_one_failing_partition_does_not_stop_the_others(
    sqlite_url: str, sqlite_engine: Engine, dagbag, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Live X: Oakfield's mentions endpoint refuses (403); every other partition loads."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", sqlite_url)
    monkeypatch.setenv("TRUSTWATCH_INGEST_SOURCE", "live")
    monkeypatch.setenv("TRUSTWATCH_X_BEARER_TOKEN", "test-bearer-token-not-real")
    millbrook = _x_page("1500000000000000002/mentions")
    empty = {"meta": {"result_count": 0}}
    at = dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.get(
            re.compile(r"https://api\.(x|twitter)\.com/2/users/1500000000000000001/mentions.*"),
            status=403,
            json={"title": "Forbidden", "detail": "not permitted", "status": 403},
        )
        api.get(
            re.compile(r"https://api\.(x|twitter)\.com/2/users/1500000000000000002/mentions.*"),
            json=millbrook,
        )
        # Everything else answers with an empty page (never Oakfield's mentions: responses
        # would fall through to this match once the 403 had been served).
        api.get(
            re.compile(r"https://api\.(x|twitter)\.com/2/(?!users/1500000000000000001/mentions).*"),
            json=empty,
        )
        run = dagbag.get_dag("ingest_x").test(logical_date=at, run_after=at)
    with create_session() as session:
        states = {
            (ti.task_id, ti.rendered_map_index or ti.map_index): (str(ti.state), ti.try_number)
            for ti in session.scalars(
                select(TaskInstance).where(
                    TaskInstance.dag_id == "ingest_x", TaskInstance.run_id == run.run_id
                )
            )
        }
    assert str(getattr(run.state, "value", run.state)) == "failed"
    partitions = {k[1]: v for k, v in states.items() if k[0] == "ingest_partition"}
    assert partitions.pop("x:oakfield:mentions") == ("failed", 1 + RETRIES)  # retried, then failed
    assert len(partitions) == 8 and set(partitions.values()) == {("success", 1)}
    assert states[("summarise", -1)][0] == "failed"  # the run is marked failed, after all ran
    with session_scope(sqlite_engine) as session:
        loaded = set(session.scalars(select(Item.external_id)))
        errors = dict(
            session.execute(
                select(IngestState.partition, IngestState.last_error).where(
                    IngestState.last_error.is_not(None)
                )
            ).all()
        )
    assert {t["id"] for t in millbrook["data"]} <= loaded
    assert list(errors) == ["x:oakfield:mentions"]
    assert "test-bearer-token-not-real" not in json.dumps(errors)
