"""
### classify: score new and changed items whenever the items asset updates

Scheduled on `trustwatch_items` (any ingest task's event). Scores every item that has no
score from the current model version yet, in batches, with the model loaded once for the
task; writes `classifications` (item x label x model version, so a rerun adds nothing)
and emits `trustwatch_classifications`, which schedules `sla_and_alerts`.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag, task

from trustwatch.assets import CLASSIFICATIONS, ITEMS
from trustwatch.pipeline.defaults import START_DATE, TAGS, default_args


@dag(
    schedule=[ITEMS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(dt.timedelta(minutes=30)),
    tags=TAGS["classify"],
    doc_md=__doc__,
)
def classify() -> None:
    @task(outlets=[CLASSIFICATIONS])
    def classify_items() -> dict:
        """Score every unscored item known as of this run's clock."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.classify_step import classify_pending
        from trustwatch.pipeline.runtime import Window

        context = get_current_context()
        counts = classify_pending(Window.from_context(context))
        context["outlet_events"][CLASSIFICATIONS].extra = counts
        return counts

    classify_items()


classify()
