"""
### report_weekly: the trust's weekly report, every Monday at 07:00 London time

Builds last week's trust-wide report (HTML and PDF, under `var/reports/`) and emails the
PDF once to the registry's `report_recipients`; the notifications ledger stops a rerun
from sending it twice.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import CronTriggerTimetable, dag, task

from trustwatch.pipeline.defaults import START_DATE, TAGS, default_args


@dag(
    schedule=CronTriggerTimetable("0 7 * * 1", timezone="Europe/London"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(dt.timedelta(minutes=30)),
    tags=TAGS["report"],
    doc_md=__doc__,
)
def report_weekly() -> None:
    @task
    def build_and_send_report() -> dict:
        """Write last week's report and email it to the recipients."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.notify_step import send_weekly_report
        from trustwatch.pipeline.runtime import Window

        return send_weekly_report(Window.from_context(get_current_context()))

    build_and_send_report()


report_weekly()
