"""The ingest DAG's steps: plan the registry's partitions, run one for an interval.

One mapped Airflow task runs one partition through `trustwatch.ingest.run_ingest`, with
the Great Expectations gate plugged in as its pre-load check. The source is the live
platforms, or the bundled replay corpus "as of" the interval's end
(`TRUSTWATCH_INGEST_SOURCE=replay`, used by the demo and tests).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import Any

from trustwatch.errors import ConfigError
from trustwatch.pipeline.runtime import Window, engine, registry
from trustwatch.quality import gate
from trustwatch.quality.batch import SUITE
from trustwatch.quality.runner import SuiteOutcome, merge_outcomes
from trustwatch.quality.store import record_outcome
from trustwatch.registry import Registry
from trustwatch.settings import get_settings

SOURCE_ENV = "TRUSTWATCH_INGEST_SOURCE"
SOURCES = ("live", "replay")


class PartitionFailed(RuntimeError):
    """One partition's run ended in an error: the task fails (and retries) on its own."""


class PartitionsFailed(RuntimeError):
    """Some partitions of a run failed; the others loaded."""


def source_name() -> str:
    name = os.environ.get(SOURCE_ENV, "live").strip().lower()
    if name not in SOURCES:
        raise ConfigError(f"{SOURCE_ENV}={name!r} is not a source. Fix: set it to live or replay.")
    return name


def plan(platform: str) -> dict[str, list[str]]:
    """Partition labels for one platform: parents (posts) load before children (comments)."""
    from trustwatch.ingest import plan_partitions

    planned = plan_partitions(registry(), platform=platform)
    return {
        "parents": [p.label for p in planned if not p.stream_cls.is_child],
        "children": [p.label for p in planned if p.stream_cls.is_child],
    }


def _source(window: Window) -> Any:
    from trustwatch.ingest import LiveSource, ReplaySource

    return ReplaySource(as_of=window.end) if source_name() == "replay" else LiveSource()


def stored_unchanged(items: Sequence[Any]) -> set[tuple[str, str]]:
    """Keys of items the warehouse already holds unchanged (`trustwatch.quality.gate`)."""
    return gate.stored_unchanged(engine(), items)


def make_gate(reg: Registry, platform: str, now: dt.datetime, outcomes: list[SuiteOutcome]):  # type: ignore[no-untyped-def]
    """The `trustwatch.ingest.Gate` for one run: GX suite per page; outcomes collected."""
    return gate.make_gate(reg, now, outcomes, engine=engine(), platform=platform)


def run_partition(platform: str, label: str, window: Window) -> dict[str, Any]:
    """Ingest one partition up to the window's end; raise if it failed, else its counts."""
    from trustwatch.db.engine import session_scope
    from trustwatch.ingest import plan_partitions, run_ingest

    reg = registry()
    planned = {p.label: p for p in plan_partitions(reg, platform=platform)}
    if label not in planned:
        raise PartitionFailed(
            f"{label}: no longer in the registry's plan for {platform} (registry changed?)"
        )
    source = _source(window)
    clock = source.as_of or dt.datetime.now(dt.UTC)
    outcomes: list[SuiteOutcome] = []
    summary = run_ingest(
        engine(),
        reg,
        source=source,
        pseudonym_secret=get_settings().pseudonym_key(),
        partitions=[planned[label]],
        now=clock,
        gate=make_gate(reg, platform, clock, outcomes),
    )
    result = summary.results[0]
    if outcomes:
        with session_scope(engine()) as session:
            record_outcome(
                session,
                merge_outcomes(SUITE, outcomes),
                target=label,
                interval=(window.start, window.end),
            )
    if result.error:
        raise PartitionFailed(f"{label}: {result.error}")
    return {
        "partition": label,
        "window": window.as_xcom(),
        "read": result.read,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        # Parse failures (counted by the stream) plus records the data checks set aside.
        "quarantined": result.quarantined + sum(o.rows_failed for o in outcomes),
        "budget_exhausted": result.budget_exhausted,
    }


def summarise_partitions(planned: Sequence[str], results: Sequence[dict[str, Any]]) -> dict:
    """Totals over the partitions that succeeded; raise naming the ones that did not."""
    done = {r["partition"] for r in results}
    missing = [label for label in planned if label not in done]
    totals = {
        key: sum(int(r[key]) for r in results)
        for key in ("read", "inserted", "updated", "unchanged", "quarantined")
    }
    summary = {"partitions": len(planned), "succeeded": len(done), **totals}
    if missing:
        raise PartitionsFailed(
            f"{len(missing)} of {len(planned)} partitions failed: {', '.join(missing)} "
            f"(the other {len(done)} loaded: {totals})"
        )
    return summary
