"""
### warehouse_checks: Great Expectations suites over what the hour loaded

Scheduled on `trustwatch_alerts`, i.e. after every load has flowed through scores,
clocks and alerts. Checks the rows loaded or changed since its last run (the first run,
and `warehouse_checks_daily` every night, check every row). Checks referential
integrity (items to accounts and schools, scores, clocks and alerts to items), one SLA
row per item needing a response, scores within [0, 1] and known labels and severities.
Every outcome is stored in `validation_results` (see `trustwatch checks`) before the
task fails on any breach. Emits `trustwatch_checks`.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag, task

from trustwatch.assets import ALERTS, CHECKS
from trustwatch.pipeline.defaults import START_DATE, TAGS, default_args


@dag(
    schedule=[ALERTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(dt.timedelta(minutes=15)),
    tags=TAGS["checks"],
    doc_md=__doc__,
)
def warehouse_checks() -> None:
    @task(outlets=[CHECKS])
    def run_checks() -> dict:
        """Validate the warehouse; store the results; fail on any breach."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.checks_step import run_warehouse_checks
        from trustwatch.pipeline.runtime import Window

        return run_warehouse_checks(Window.from_context(get_current_context()))

    run_checks()


warehouse_checks()
