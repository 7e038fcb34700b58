"""
### ingest_events: a webhook event reaches its safeguarding lead in minutes

The webhook receiver (`trustwatch receive`) stores every Facebook and X event in
`inbound_events`, then publishes a notice (ids only) on the Redis channel
`trustwatch.inbound`. The triggerer's asset watcher on that channel starts this DAG;
every ten minutes (`TRUSTWATCH_INBOUND_SWEEP_CRON`) it also runs on its own, so an event
whose notice was lost still goes through. Each run takes every unprocessed event (not
only the notice's), loads them through the hourly streams' parsers, quality gate and
idempotent load, scores those items only, raises their label alerts and tells the lead.
The hourly `ingest_*` DAGs stay the backstop: an item reached both ways is one row.

One run at a time, but a run does not stop at its first batch: it takes batch after
batch until the table is empty and stays empty for `TRUSTWATCH_INBOUND_LINGER_SECONDS`
(30), for at most `TRUSTWATCH_INBOUND_DRAIN_SECONDS` (240), so an event stored while a
run works is taken by that run, not left for the next one.

One task, not four: on this path a task's process start, DAG parse and imports cost
more than the work itself, and every step is idempotent, so retrying the whole is safe.
No task here emits the items or alerts assets: the hourly chain scores, clocks and
notifies on its own schedule, and two DAGs racing to send the same alert is what the
notifications ledger must never be asked to referee.

Redis: the Airflow connection `trustwatch_redis` (e.g.
`AIRFLOW_CONN_TRUSTWATCH_REDIS=redis://redis:6379?db=0`).
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task

from trustwatch.assets import inbound_events
from trustwatch.pipeline.defaults import START_DATE, TAGS, default_args, inbound_sweep_cron


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(inbound_sweep_cron(), timezone="UTC"),
        assets=[inbound_events()],
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(dt.timedelta(minutes=10)),
    tags=TAGS["events"],
    doc_md=__doc__,
)
def ingest_events() -> None:
    @task
    def process_events() -> dict:
        """Take events until the table stays empty, score and alert them, tell the lead."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.events_step import Drain, run_event_path
        from trustwatch.pipeline.runtime import Window

        return run_event_path(Window.from_context(get_current_context()), drain=Drain.from_env())

    process_events()


ingest_events()
