"""
### ingest_reddit_inbox: the school accounts' Reddit inboxes, every five minutes

Reddit pushes nothing, but a school account's inbox is cheap to read: for each school
account, its username mentions (`/message/mentions`) and the replies to its comments
(`/message/comments`), one request each while nothing is new, so a run costs two
requests per account, far inside Reddit's 100 requests a minute per app. Each
partition uses the hourly `ingest_reddit` streams, bookmarks, quality gate and
idempotent load, and emits `trustwatch_items`, which schedules `classify` and so the
alert chain. Needs a script app (`TRUSTWATCH_REDDIT_USERNAME`/`PASSWORD`, or the
`trustwatch_reddit` connection's extras).
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import CronTriggerTimetable, dag, task

from trustwatch.assets import ITEMS
from trustwatch.pipeline.defaults import REDDIT_INBOX_CRON, START_DATE, TAGS, default_args


@dag(
    schedule=CronTriggerTimetable(
        REDDIT_INBOX_CRON, timezone="UTC", interval=dt.timedelta(minutes=5)
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(dt.timedelta(minutes=4)),
    tags=[*TAGS["ingest"], "reddit"],
    doc_md=__doc__,
)
def ingest_reddit_inbox() -> None:
    @task
    def plan_inboxes() -> list[str]:
        """Partition labels of every school account's mentions and comment replies."""
        from trustwatch.pipeline.events_step import reddit_inbox_labels

        return reddit_inbox_labels()

    @task(
        map_index_template="{{ partition_label }}",
        outlets=[ITEMS],
        max_active_tis_per_dag=1,
    )
    def read_inbox(partition: str) -> dict:
        """Fetch, gate and load one inbox partition past its bookmark."""
        from airflow.sdk import get_current_context

        from trustwatch.pipeline.ingest_step import run_partition
        from trustwatch.pipeline.runtime import Window

        context = get_current_context()
        context["partition_label"] = partition
        counts = run_partition("reddit", partition, Window.from_context(context))
        context["outlet_events"][ITEMS].extra = counts
        return counts

    read_inbox.expand(partition=plan_inboxes())


ingest_reddit_inbox()
