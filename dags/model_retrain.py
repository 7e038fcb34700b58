"""
### model_retrain: learn from the leads' verdicts, weekly

Sundays at 03:00 UTC: build a challenger from the shipped adapter, the verdicts leads gave
on alerts and items, and the hand-written school rows (plus the public datasets when
`TRUSTWATCH_DATASETS` points at them); judge it against the serving model on the frozen
school check sets and on the newest verdicts held out by time; promote it only when the
declared rule says so (no label worse beyond its noise band, the target labels better).
A promotion records a `model_versions` row, moves the serving pointer and rescores the open
casework. Fewer than 20 verdict-labelled items: nothing changes. See docs/retraining.md.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import CronTriggerTimetable, dag, task

from trustwatch.pipeline.defaults import START_DATE, TAGS, default_args


@dag(
    schedule=CronTriggerTimetable("0 3 * * 0", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(dt.timedelta(minutes=90)),
    tags=TAGS["model"],
    doc_md=__doc__,
)
def model_retrain() -> None:
    @task
    def retrain_from_verdicts() -> dict:
        """Build, judge and maybe promote a challenger; the outcome's counts for XCom."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.model_step import retrain_from_verdicts as retrain
        from trustwatch.pipeline.runtime import Window

        return retrain(Window.from_context(get_current_context()))

    retrain_from_verdicts()


model_retrain()
