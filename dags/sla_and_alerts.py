"""
### sla_and_alerts: response clocks and alerts, on new scores and every hour

Scheduled on `trustwatch_classifications` **or** hourly (`AssetOrTimeSchedule`): a
response clock runs out without any new data arriving, so the hourly tick raises
"at risk" and "breached" alerts on time. `response_sla` is recomputed as of the run's
clock, then alerts are refreshed (one per item and type, escalated in place); both are
idempotent for a given clock. Emits `trustwatch_response_sla` and `trustwatch_alerts`;
the latter schedules `notify` and `warehouse_checks`.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task

from trustwatch.assets import ALERTS, CLASSIFICATIONS, RESPONSE_SLA
from trustwatch.pipeline.defaults import HOURLY_CRON, START_DATE, TAGS, default_args


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(HOURLY_CRON, timezone="UTC"), assets=[CLASSIFICATIONS]
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(dt.timedelta(minutes=15)),
    tags=TAGS["sla"],
    doc_md=__doc__,
)
def sla_and_alerts() -> None:
    @task(outlets=[RESPONSE_SLA])
    def compute_sla() -> dict:
        """Recompute every response clock as of this run's clock."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.runtime import Window
        from trustwatch.pipeline.sla_step import compute_response_sla

        return compute_response_sla(Window.from_context(get_current_context()))

    @task(outlets=[ALERTS])
    def refresh_alerts() -> dict:
        """Raise, escalate or close alerts from scores and clocks as of this run's clock."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.runtime import Window
        from trustwatch.pipeline.sla_step import refresh_alerts

        context = get_current_context()
        counts = refresh_alerts(Window.from_context(context))
        context["outlet_events"][ALERTS].extra = counts
        return counts

    compute_sla() >> refresh_alerts()


sla_and_alerts()
