"""The event path under the real Airflow: receiver -> Redis -> triggerer -> DAG -> lead.

Starts `airflow api-server`, `scheduler`, `dag-processor` and `triggerer` (PostgreSQL
metadata, LocalExecutor) over a dags folder holding `ingest_events.py`, and the receiver
as its own process. A signed Facebook delivery is posted to the receiver; the
triggerer's Redis watcher must start an asset-triggered run that loads the comment,
raises the safeguarding alert and emails the lead (a local aiosmtpd). A second delivery
posted once the first event is loaded, while that run still works (it drains the table
and lingers), is taken by the same run, and loaded once. The sweep's clock is moved to
once a year so only the watcher can start a run. The classifier is the keyword
stand-in; everything else is real.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import uuid

import httpx
import pytest
import redis
from sqlalchemy import create_engine, select, text

from tests.conftest import temporary_postgres_database
from tests.inbound.conftest import smtp_inbox  # noqa: F401 - the fixture
from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.models import Alert, InboundEvent, Item
from trustwatch.pipeline.airflow_home import DAGS_FOLDER
from trustwatch.pipeline.defaults import INBOUND_SWEEP_ENV
from trustwatch.pipeline.local_airflow import LocalAirflow
from trustwatch.receiver import samples
from trustwatch.receiver.launch import free_port, start_receiver

SECRET = "triggerer-test-app-secret"
PAGE = "100000000000101"


# The sweep's clock, moved off this test's path. A sweep run created between a delivery
# and the watcher's run takes the events itself, and this test would then show the sweep,
# not the watcher (2026-12-06: the 21:40 tick did, 12 s before the watcher's run; a
# margin around the ten-minute tick still failed once in CI). Yearly, so no tick falls
# inside the test; on a day when the last tick is recent enough for Airflow to run it at
# once, the test waits for that run to finish first.
SWEEP_OFF_PATH = "0 0 1 1 *"


def _wait(what: str, probe, timeout: float, every: float = 1.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.mark.slow
def test_a_redis_notice_runs_ingest_events_under_the_triggerer(
    sqlite_url,
    sqlite_engine,
    smtp_inbox,  # noqa: F811 - the imported fixture
    tmp_path,
    monkeypatch,
) -> None:
    channel = f"trustwatch.it.{uuid.uuid4().hex[:8]}"
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(DAGS_FOLDER / "ingest_events.py", dags / "ingest_events.py")
    env = {
        "AIRFLOW_CONN_TRUSTWATCH_REDIS": "redis://127.0.0.1:6379?db=0",
        "TRUSTWATCH_INBOUND_CHANNEL": channel,
        "TRUSTWATCH_WAREHOUSE_URL": sqlite_url,
        "TRUSTWATCH_CLASSIFIER": "tests.dags.keyword_classifier:make",
        "TRUSTWATCH_RETRY_DELAY_SECONDS": "1",
        INBOUND_SWEEP_ENV: SWEEP_OFF_PATH,
        "TRUSTWATCH_SMTP_HOST": os.environ["TRUSTWATCH_SMTP_HOST"],
        "TRUSTWATCH_SMTP_PORT": os.environ["TRUSTWATCH_SMTP_PORT"],
        "TRUSTWATCH_SMTP_SECURITY": "none",
        "TRUSTWATCH_FACEBOOK_APP_SECRET": SECRET,
        "TRUSTWATCH_FACEBOOK_VERIFY_TOKEN": "triggerer-test-verify",
    }
    with temporary_postgres_database("trustwatch_airflow") as metadata_url:
        airflow = LocalAirflow(tmp_path / "airflow", dags, metadata_url, extra_env=env)
        port = free_port()
        receiver = None
        meta = create_engine(metadata_url)
        try:
            airflow.start()
            receiver = start_receiver(env, port, log=tmp_path / "receiver.log")
            client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
            # The watcher is live once the triggerer's trigger has subscribed.
            _wait(
                "the triggerer to subscribe to the channel",
                lambda: client.pubsub_numsub(channel)[0][1] > 0,
                timeout=300,
            )

            def rows(sql: str, **params: str) -> list[tuple]:
                with meta.connect() as conn:
                    return [tuple(r) for r in conn.execute(text(sql), params)]

            def runs(kind: str) -> list[tuple[str, str]]:
                return rows(  # type: ignore[return-value]
                    "select run_id, state from dag_run where run_type = :kind order by id",
                    kind=kind,
                )

            def story() -> str:
                """Every run and task try, for the failure message: who took the events."""
                dag_runs = rows(
                    "select run_id, run_type, state, queued_at, start_date, end_date"
                    " from dag_run order by id"
                )
                tries = rows("select run_id, try_number, state from task_instance order by run_id")
                return f"runs: {[tuple(map(str, r)) for r in dag_runs]}; tries: {tries}"

            def sweep_settled() -> bool:
                """No sweep run will start during the test, and any started has finished."""
                found = rows(
                    "select next_dagrun_create_after from dag where dag_id = 'ingest_events'"
                )
                horizon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
                return (
                    bool(found)
                    and found[0][0] is not None
                    and found[0][0] > horizon
                    and all(s in ("success", "failed") for _, s in runs("scheduled"))
                )

            # 900 s: in the ten minutes before a New Year tick, wait for it and its run.
            _wait("the sweep to be off the test's path", sweep_settled, timeout=900)
            sweeps = runs("scheduled")

            def deliver(comment_id: str, message: str) -> None:
                now = dt.datetime.now(dt.UTC)
                change = samples.facebook_comment(
                    page_id=PAGE,
                    post_id=f"{PAGE}_77",
                    comment_id=comment_id,
                    message=message,
                    from_id="31337",
                    from_name="A Pupil",
                    at=now,
                )
                body, headers = samples.signed_facebook(
                    samples.facebook_delivery(PAGE, [change], now), SECRET
                )
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/webhooks/facebook", content=body, headers=headers
                )
                assert answer.status_code == 200 and answer.json()["announced"] is True

            warehouse = make_engine(sqlite_url)

            def processed(comment_id: str) -> bool:
                with session_scope(warehouse) as session:
                    return bool(
                        session.scalar(
                            select(InboundEvent.processed_at).where(
                                InboundEvent.object_id == comment_id
                            )
                        )
                    )

            deliver("it-1", "I am scared to go in, they said they would hurt me")
            delivered = time.monotonic()
            _wait("the first event to load", lambda: processed("it-1"), timeout=300, every=0.2)
            elapsed = time.monotonic() - delivered
            # The run is still going (it lingers on an empty table): a second event now
            # must be taken by it, not wait for another run.
            finished = [r for r in runs("asset_triggered") if r[1] in ("success", "failed")]
            assert not finished, story()
            deliver("it-2", "someone said they will hurt me after school")

            # The run that took the first event is the first one created. The second
            # notice may queue another run behind it, which then finds the table empty: under
            # CPU contention both can have finished by the next poll, so read the first run
            # by creation order, not whichever the database lists first.
            (run_id, state) = _wait(
                "the first asset-triggered run to finish",
                lambda: [r for r in runs("asset_triggered")[:1] if r[1] in ("success", "failed")],
                timeout=300,
            )[0]
            assert state == "success", story()
            with meta.connect() as conn:
                loaded = conn.execute(
                    text(
                        "select value from xcom where run_id = :run and task_id = 'process_events'"
                        " and key = 'return_value'"
                    ),
                    {"run": run_id},
                ).scalar_one()
            loaded = json.loads(loaded) if isinstance(loaded, str) else loaded
            assert loaded["ingest"]["loaded"] == 2 and loaded["items"] == 2, (loaded, story())
            assert loaded["rounds"] >= 2 and loaded["classify"]["items_scored"] == 2, loaded
            assert loaded["notify"]["sent"] >= 1, loaded
            assert runs("scheduled") == sweeps, story()  # no sweep ran beside the watcher
        finally:
            if receiver is not None:
                receiver.kill()
                receiver.wait()
            airflow.stop()
            meta.dispose()
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        item = session.scalar(select(Item).where(Item.external_id == "it-1"))
        alert = session.scalar(select(Alert).where(Alert.item_id == item.item_id))
        pending = session.scalar(select(InboundEvent).where(InboundEvent.processed_at.is_(None)))
        items = session.scalars(select(Item.external_id).where(Item.external_id.like("it-%"))).all()
        attempts = session.scalars(select(InboundEvent.attempts)).all()
    assert alert is not None and alert.alert_type == "safeguarding"
    assert pending is None
    assert sorted(items) == ["it-1", "it-2"] and attempts == [1, 1]  # each loaded once
    assert smtp_inbox.messages, "the lead was not emailed"
    print(f"delivery -> event loaded by the asset-triggered run: {elapsed:.1f}s")
