"""A run of the event path drains the table: an event stored mid-run does not wait.

With one `ingest_events` run at a time, an event stored while a run works used to wait
for the next run. Now the run takes batch after batch until the table is empty (and,
under the DAG, stays empty for the linger), so the event is taken by the same run, and
loaded once. The classifier is the keyword stand-in; load, alerts and ledger are real.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.inbound.conftest import comment, store_facebook
from trustwatch.db.engine import session_scope
from trustwatch.db.models import InboundEvent, Item
from trustwatch.pipeline import events_step
from trustwatch.pipeline.events_step import Drain, run_event_path
from trustwatch.pipeline.runtime import Window


@pytest.fixture
def warehouse(sqlite_url, sqlite_engine, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", sqlite_url)
    monkeypatch.setenv("TRUSTWATCH_CLASSIFIER", "tests.dags.keyword_classifier:make")
    return sqlite_engine


def _state(engine) -> tuple[dict[str, int], list[tuple[str, int, bool]]]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        items = dict(
            session.execute(select(Item.external_id, func.count()).group_by(Item.external_id)).all()
        )
        events = [
            (e.object_id, e.attempts, e.processed_at is not None)
            for e in session.scalars(select(InboundEvent).order_by(InboundEvent.inbound_event_id))
        ]
    return items, events


def test_an_event_stored_mid_run_is_taken_by_that_run_once(warehouse, monkeypatch) -> None:
    store_facebook(warehouse, comment("first", "I want to hurt myself"))
    real_classify = events_step.classify_inbound
    calls: list[list[int]] = []

    def classify_then_a_new_event_arrives(item_ids: list[int]):  # type: ignore[no-untyped-def]
        calls.append(item_ids)
        if len(calls) == 1:  # the first batch is loaded and being scored: mid-run
            store_facebook(warehouse, comment("second", "he will bring a knife tomorrow"))
        return real_classify(item_ids)

    monkeypatch.setattr(events_step, "classify_inbound", classify_then_a_new_event_arrives)
    now = dt.datetime.now(dt.UTC)

    out = run_event_path(Window(now, now), notify=False)

    assert out["ingest"]["events"] == 2 and out["ingest"]["loaded"] == 2
    assert out["rounds"] >= 2 and out["items"] == 2
    items, events = _state(warehouse)
    assert items == {"first": 1, "second": 1}
    # each event loaded exactly once (one attempt), both marked processed
    assert events == [("first", 1, True), ("second", 1, True)]
    # a second run finds nothing: nothing loaded twice
    again = run_event_path(Window(now, now), notify=False)
    assert again["ingest"]["events"] == 0
    assert _state(warehouse)[0] == {"first": 1, "second": 1}


def test_the_run_lingers_for_an_event_after_the_table_empties(warehouse) -> None:
    store_facebook(warehouse, comment("early", "I want to hurt myself"))
    clock = {"t": 0.0}
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        clock["t"] += seconds
        if len(naps) == 3:  # three polls into the linger, the receiver stores one more
            store_facebook(warehouse, comment("late", "she says she wants to die"))

    now = dt.datetime.now(dt.UTC)
    out = run_event_path(
        Window(now, now),
        notify=False,
        drain=Drain(seconds=600, linger=10, poll=1),
        clock=lambda: clock["t"],
        sleep=sleep,
    )

    assert out["ingest"]["loaded"] == 2 and out["items"] == 2
    assert _state(warehouse)[0] == {"early": 1, "late": 1}
    # after "late", the table stayed empty for the whole linger, then the run ended
    assert sum(naps) == pytest.approx(3 + 10)


def test_draining_stops_at_its_bound_and_leaves_the_rest_for_the_next_run(
    warehouse, monkeypatch
) -> None:
    monkeypatch.setenv(events_step.BATCH_ENV, "1")
    store_facebook(warehouse, comment("a", "I want to hurt myself"), comment("b", "a knife"))
    clock = {"t": 0.0}
    real_ingest = events_step.ingest_inbound

    def slow_ingest(window, **kwargs):  # type: ignore[no-untyped-def]
        clock["t"] += 5  # each batch takes 5 s of the run's 8 s bound
        return real_ingest(window, **kwargs)

    monkeypatch.setattr(events_step, "ingest_inbound", slow_ingest)
    now = dt.datetime.now(dt.UTC)
    out = run_event_path(
        Window(now, now), notify=False, drain=Drain(seconds=8, linger=30), clock=lambda: clock["t"]
    )

    assert out["rounds"] == 2 and out["ingest"]["loaded"] == 2
    store_facebook(warehouse, comment("c", "she wants to die"))
    clock["t"] = 0.0
    out = run_event_path(
        Window(now, now), notify=False, drain=Drain(seconds=4, linger=30), clock=lambda: clock["t"]
    )
    assert out["rounds"] == 1 and out["ingest"]["loaded"] == 1


def test_a_failing_event_is_left_for_the_next_run_not_retried_in_a_loop(
    warehouse, monkeypatch
) -> None:
    store_facebook(warehouse, comment("bad", "I want to hurt myself"))
    from trustwatch.inbound import process

    def broken_commit(*args, **kwargs):  # type: ignore[no-untyped-def]
        def commit(*a, **k):  # type: ignore[no-untyped-def]
            raise RuntimeError("database went away")

        return commit

    monkeypatch.setattr(process, "make_committer", broken_commit)
    now = dt.datetime.now(dt.UTC)
    out = run_event_path(Window(now, now), notify=False, drain=Drain(seconds=600, linger=0))

    assert out["ingest"]["failed"] == 1 and out["ingest"]["events"] == 1
    assert _state(warehouse)[1] == [("bad", 1, False)]  # one attempt, still unprocessed


def test_the_dag_bounds_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(events_step.DRAIN_ENV, "100")
    monkeypatch.setenv(events_step.LINGER_ENV, "5")
    assert Drain.from_env() == Drain(seconds=100, linger=5)
    monkeypatch.delenv(events_step.DRAIN_ENV)
    monkeypatch.delenv(events_step.LINGER_ENV)
    assert Drain.from_env() == Drain(seconds=240, linger=30)
