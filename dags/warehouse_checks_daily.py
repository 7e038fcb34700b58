"""
### warehouse_checks_daily: the Great Expectations suites over every row, nightly

The hourly `warehouse_checks` run reads only the rows loaded or changed since its last
run. This DAG runs the same suites over every row of items, scores, clocks and alerts at
03:15 UTC (after retention), a slice of keys at a time, to catch drift the hourly window
cannot see (a row changed behind the loaders' backs, a reference that went missing).
Outcomes are stored in `validation_results` under target `warehouse:full`.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import CronTriggerTimetable, dag, task

from trustwatch.pipeline.defaults import START_DATE, TAGS, default_args


@dag(
    schedule=CronTriggerTimetable("15 3 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(dt.timedelta(hours=1)),
    tags=TAGS["checks"],
    doc_md=__doc__,
)
def warehouse_checks_daily() -> None:
    @task
    def run_full_checks() -> dict:
        """Validate every row; store the results; fail on any breach."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.checks_step import run_full_warehouse_checks
        from trustwatch.pipeline.runtime import Window

        return run_full_warehouse_checks(Window.from_context(get_current_context()))

    run_full_checks()


warehouse_checks_daily()
