"""The event-driven DAGs' wiring: a Redis pub/sub watcher (plus a sweep) and the inbox poll."""

from __future__ import annotations

import pytest

from trustwatch.assets import INBOUND_CHANNEL, REDIS_CONN_ID
from trustwatch.pipeline.defaults import (
    INBOUND_SWEEP_CRON,
    INBOUND_SWEEP_ENV,
    REDDIT_INBOX_CRON,
    inbound_sweep_cron,
)
from trustwatch.receiver.settings import ReceiverSettings


def test_ingest_events_is_woken_by_redis_and_swept_on_a_clock(dagbag) -> None:
    dag = dagbag.get_dag("ingest_events")
    timetable = dag.timetable
    assert timetable.timetable.expression == INBOUND_SWEEP_CRON == "*/10 * * * *"
    (asset,) = timetable.asset_condition.objects
    assert asset.name == "trustwatch_inbound_events"
    (watcher,) = asset.watchers
    path, kwargs = watcher.trigger.serialize()
    assert path == "airflow.providers.redis.triggers.redis_await_message.AwaitMessageTrigger"
    assert kwargs["channels"] == [INBOUND_CHANNEL]
    assert kwargs["redis_conn_id"] == REDIS_CONN_ID
    assert kwargs["poll_interval"] <= 1  # a notice is seen within a second
    # The receiver publishes where the watcher listens.
    assert ReceiverSettings().inbound_channel == INBOUND_CHANNEL
    assert [t.task_id for t in dag.tasks] == ["process_events"]
    # No outlets: the hourly chain must not race this DAG to notify the same alert.
    assert all(not task.outlets for task in dag.tasks)


def test_the_sweep_clock_can_be_moved_and_a_bad_one_names_the_variable(monkeypatch) -> None:
    monkeypatch.setenv(INBOUND_SWEEP_ENV, "  0  3 * *   * ")
    assert inbound_sweep_cron() == "0 3 * * *"
    monkeypatch.setenv(INBOUND_SWEEP_ENV, "")
    assert inbound_sweep_cron() == INBOUND_SWEEP_CRON
    monkeypatch.setenv(INBOUND_SWEEP_ENV, "every ten minutes")
    with pytest.raises(ValueError, match=rf"{INBOUND_SWEEP_ENV}='every ten minutes'.*unset"):
        inbound_sweep_cron()


def test_reddit_inbox_is_polled_every_five_minutes(dagbag) -> None:
    dag = dagbag.get_dag("ingest_reddit_inbox")
    assert dag.timetable.expression == REDDIT_INBOX_CRON == "*/5 * * * *"
    assert dag.timetable.interval.total_seconds() == 300
    read = dag.get_task("read_inbox")
    assert read.max_active_tis_per_dag == 1
    assert [o.name for o in read.outlets] == ["trustwatch_items"]


def test_inbox_plan_is_mentions_and_comment_replies_only() -> None:
    from trustwatch.pipeline.events_step import reddit_inbox_labels

    assert reddit_inbox_labels() == [
        "reddit:millbrook:mentions",
        "reddit:millbrook:comment_replies",
    ]
