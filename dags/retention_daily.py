"""
### retention_daily: purge what is past the registry's retention periods, nightly

At 02:30 UTC: item texts and authors' identities older than `retention.text_days`, raw
payloads and quarantined records older than `retention.raw_payload_days`. Each run
writes one audit row (counts only); rerunning the same night purges nothing more.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import CronTriggerTimetable, dag, task

from trustwatch.pipeline.defaults import START_DATE, TAGS, default_args


@dag(
    schedule=CronTriggerTimetable("30 2 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(dt.timedelta(minutes=30)),
    tags=TAGS["retention"],
    doc_md=__doc__,
)
def retention_daily() -> None:
    @task
    def enforce_retention() -> dict:
        """Purge texts, payloads and identities past their retention periods."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.notify_step import enforce_retention as enforce
        from trustwatch.pipeline.runtime import Window

        return enforce(Window.from_context(get_current_context()))

    enforce_retention()


retention_daily()
