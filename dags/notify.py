"""
### notify and notify_digest: tell safeguarding leads about alerts

`notify` runs on every `trustwatch_alerts` event (each sla_and_alerts run): every critical
or high alert not yet announced at its current severity goes out by email (and the
registry's webhook). `notify_digest` sends the daily digest of medium and low alerts at
16:00 London time. The notifications ledger makes both idempotent: a rerun, or a retry
after a failed send, announces only what has not gone. SMTP settings come from
`TRUSTWATCH_SMTP_*`; a send that fails fails the task, so Airflow retries it.

The first task checks the channel: with nothing to send a missing SMTP host is only a
warning; with alerts waiting it fails with the fix. Each run's clock is its own (an
asset-triggered run's is when it started, not when its first event was queued).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from airflow.sdk import DAG, CronTriggerTimetable, dag, task

from trustwatch.assets import ALERTS
from trustwatch.pipeline.defaults import START_DATE, TAGS, default_args

if TYPE_CHECKING:
    from airflow.sdk.definitions.dag import ScheduleArg


def _notify_dag(schedule: ScheduleArg) -> Callable[[Callable[[], None]], Callable[[], DAG]]:
    """The two notification DAGs differ only in what triggers them; everything else
    (retries, timeout, one run at a time) must stay the same for both."""
    return dag(
        schedule=schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(dt.timedelta(minutes=10)),
        tags=TAGS["notify"],
        doc_md=__doc__,
    )


@_notify_dag(schedule=[ALERTS])
def notify() -> None:
    @task
    def check_channels() -> dict:
        """Fail with the fix only if alerts are waiting and email is not configured."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.notify_step import check_channels as check
        from trustwatch.pipeline.runtime import Window

        return check(Window.from_context(get_current_context()))

    @task
    def send_alert_notifications() -> dict:
        """Email and webhook every critical/high alert not yet announced."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.notify_step import notify_alerts
        from trustwatch.pipeline.runtime import Window

        return notify_alerts(Window.from_context(get_current_context()))

    check_channels() >> send_alert_notifications()


@_notify_dag(schedule=CronTriggerTimetable("0 16 * * *", timezone="Europe/London"))
def notify_digest() -> None:
    @task
    def check_digest_channels() -> dict:
        """Fail with the fix only if digest alerts are waiting and email is not configured."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.notify_step import check_channels
        from trustwatch.pipeline.runtime import Window

        return check_channels(Window.from_context(get_current_context()), digest=True)

    @task
    def send_daily_digest() -> dict:
        """One email per school listing medium and low alerts not yet announced."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.notify_step import notify_digest as digest
        from trustwatch.pipeline.runtime import Window

        return digest(Window.from_context(get_current_context()))

    check_digest_channels() >> send_daily_digest()


notify()
notify_digest()
