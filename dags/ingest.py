"""
### ingest_x, ingest_reddit, ingest_facebook: hourly pulls into the warehouse

Every hour, for one platform: plan the registry's partitions (each school account's
streams and each public search), then ingest each partition as its own mapped task,
labelled like `reddit:Riverbend`. A task fetches past its bookmark up to the end of the
data interval, checks the batch with the Great Expectations gate (failing records go to
`quarantine` with the reason; the rest load) and emits an event on the
`trustwatch_items` asset, which schedules `classify`.

One failing partition does not stop the others; `summarise` fails the run afterwards so
the failure is visible. Rerunning an interval is safe: loads upsert on
`(platform, external_id)` and bookmarks never pass the run's clock.
Credentials: Airflow Connections `trustwatch_x`, `trustwatch_reddit`, `trustwatch_facebook`.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import CronTriggerTimetable, dag, task

from trustwatch.assets import ITEMS
from trustwatch.pipeline.defaults import (
    CHILD_STREAM_PLATFORMS,
    HOURLY_CRON,
    MAX_ACTIVE_PARTITIONS,
    PLATFORMS,
    START_DATE,
    TAGS,
    default_args,
)


def build(platform: str) -> None:
    @dag(
        dag_id=f"ingest_{platform}",
        schedule=CronTriggerTimetable(HOURLY_CRON, timezone="UTC", interval=dt.timedelta(hours=1)),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(dt.timedelta(minutes=20)),
        tags=[*TAGS["ingest"], platform],
        doc_md=__doc__,
    )
    def ingest() -> None:
        @task
        def plan_parents() -> list[str]:
            """Partition labels of account and search streams (posts, mentions, searches)."""
            from trustwatch.pipeline.ingest_step import plan

            return plan(platform)["parents"]

        @task
        def plan_children() -> list[str]:
            """Partition labels of comment streams, which walk the parents' posts."""
            from trustwatch.pipeline.ingest_step import plan

            return plan(platform)["children"]

        def ingest_one(partition: str) -> dict:
            from airflow.sdk import get_current_context

            from trustwatch.pipeline.ingest_step import run_partition
            from trustwatch.pipeline.runtime import Window

            context = get_current_context()
            context["partition_label"] = partition
            counts = run_partition(platform, partition, Window.from_context(context))
            context["outlet_events"][ITEMS].extra = counts
            return counts

        mapped = {
            "map_index_template": "{{ partition_label }}",
            "outlets": [ITEMS],
            "max_active_tis_per_dag": MAX_ACTIVE_PARTITIONS[platform],
        }

        @task(**mapped)
        def ingest_partition(partition: str) -> dict:
            """Fetch, gate and load one partition for this run's data interval."""
            return ingest_one(partition)

        @task(trigger_rule="all_done", **mapped)
        def ingest_child_partition(partition: str) -> dict:
            """Fetch, gate and load one child (comments) partition; runs even if a parent failed."""
            return ingest_one(partition)

        @task(trigger_rule="all_done")
        def summarise(
            parent_labels: list[str],
            parents: list[dict],
            child_labels: list[str] | None = None,
            children: list[dict] | None = None,
        ) -> dict:
            """Totals for the run; fails it if any partition failed (after all ran)."""
            from trustwatch.pipeline.ingest_step import summarise_partitions

            done = [parents[i] for i in range(len(parents))]
            if children is not None:
                done += [children[i] for i in range(len(children))]
            return summarise_partitions([*parent_labels, *(child_labels or [])], done)

        parent_labels = plan_parents()
        parents = ingest_partition.expand(partition=parent_labels)
        if platform not in CHILD_STREAM_PLATFORMS:
            summarise(parent_labels, parents)
            return
        child_labels = plan_children()
        children = ingest_child_partition.expand(partition=child_labels)
        parents >> children
        summarise(parent_labels, parents, child_labels, children)

    ingest()


for _platform in PLATFORMS:
    build(_platform)
