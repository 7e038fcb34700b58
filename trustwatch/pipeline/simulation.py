"""Replay a span of time through the real DAGs with `dag.test()`, in schedule order.

Production runs are started by the scheduler: ingest hourly, the rest on asset events
(and sla_and_alerts hourly too). Without a scheduler, the same order is kept by hand at
each simulated instant: every ingest DAG, then classify, sla_and_alerts and
warehouse_checks, each with that instant as its logical date, so every task's "now" is
the simulated clock. Airflow must already be configured (see `airflow_home`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trustwatch.pipeline.defaults import PLATFORMS

INGEST_DAGS = tuple(f"ingest_{p}" for p in PLATFORMS)
DOWNSTREAM_DAGS = ("classify", "sla_and_alerts", "warehouse_checks")
CHAIN = (*INGEST_DAGS, *DOWNSTREAM_DAGS)


@dataclass
class StepResult:
    at: dt.datetime
    states: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [dag_id for dag_id, state in self.states.items() if state != "success"]


def load_dags(dag_ids: Sequence[str] = CHAIN) -> dict[str, Any]:
    """Parse the DAG folder once; fail loudly on an import error or a missing DAG."""
    from airflow.dag_processing.dagbag import DagBag

    from trustwatch.pipeline.airflow_home import DAGS_FOLDER

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    missing = [d for d in dag_ids if d not in bag.dag_ids]
    if missing:
        raise RuntimeError(f"DAGs not found in {DAGS_FOLDER}: {', '.join(missing)}")
    return {d: bag.get_dag(d) for d in dag_ids}


class EmptyRun(RuntimeError):
    """A run with no task instances: `at` is before the DAG's start date, nothing ran."""


def run_dag(dag: Any, at: dt.datetime) -> str:
    """One `dag.test()` run at logical date `at`; the run's final state."""
    run = dag.test(logical_date=at, run_after=at)
    if not run.get_task_instances():
        raise EmptyRun(f"{dag.dag_id} at {at}: no task ran (before the DAG's start date?)")
    return str(getattr(run.state, "value", run.state))


def run_chain(dags: dict[str, Any], at: dt.datetime, chain: Sequence[str] = CHAIN) -> StepResult:
    result = StepResult(at=at)
    for dag_id in chain:
        started = time.perf_counter()
        result.states[dag_id] = run_dag(dags[dag_id], at)
        result.seconds[dag_id] = time.perf_counter() - started
    return result


def replay(
    dags: dict[str, Any],
    steps: Sequence[dt.datetime],
    *,
    chain: Sequence[str] = CHAIN,
    on_step: Callable[[StepResult], None] | None = None,
) -> list[StepResult]:
    results = []
    for at in steps:
        step = run_chain(dags, at, chain)
        results.append(step)
        if on_step:
            on_step(step)
    return results


def corpus_moments(corpus: Any) -> list[dt.datetime]:
    """When every top-level record in the replay corpus was created, across platforms."""
    from connectors.base import parse_time

    pools, _ = corpus.x
    moments = [parse_time(t["created_at"]) for pool in pools.values() for t in pool]
    moments += [parse_time(o["created_time"]) for pool in corpus.facebook.values() for o in pool]
    moments += [
        dt.datetime.fromtimestamp(float(c["data"]["created_utc"]), tz=dt.UTC)
        for pool in corpus.reddit_listings.values()
        for c in pool
    ]
    return sorted(moments)


def active_steps(
    moments: Sequence[dt.datetime],
    *,
    step: dt.timedelta,
    tail: dt.timedelta = dt.timedelta(days=2),
    gap: dt.timedelta = dt.timedelta(days=5),
) -> list[dt.datetime]:
    """Simulated instants covering every burst of activity, plus `tail` for clocks to run out.

    Months with nothing to ingest and no clock running are skipped (an hourly run there
    would find nothing); instants sit on multiples of `step` from midnight UTC.
    """
    if not moments:
        return []
    spans: list[list[dt.datetime]] = [[moments[0], moments[0]]]
    for moment in moments[1:]:
        if moment - spans[-1][1] > gap:
            spans.append([moment, moment])
        else:
            spans[-1][1] = moment
    steps: list[dt.datetime] = []
    for first, last in spans:
        midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
        at = midnight + step * ((first - midnight) // step + 1)
        while at <= last + tail:
            steps.append(at)
            at += step
    return steps


def with_hourly_window(
    steps: Sequence[dt.datetime], start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """`steps` with every hour in [start, end] added (the production cadence there)."""
    hourly = []
    at = start.replace(minute=0, second=0, microsecond=0)
    while at <= end:
        hourly.append(at)
        at += dt.timedelta(hours=1)
    return sorted({*steps, *hourly})
