"""The ingest_events DAG's steps: inbound events -> items -> scores -> alerts -> the lead.

Runs minutes after a post, so each step touches only what the events brought: the items
they loaded are scored, and label alerts are raised for those items alone (response
clocks stay with the hourly sla_and_alerts run). The notification step is the same
ledger-backed dispatch as the `notify` DAG, so an alert announced here is not announced
again there, and the other way round.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from trustwatch.db.engine import session_scope
from trustwatch.pipeline.runtime import Window, engine, registry
from trustwatch.settings import get_settings

BATCH_ENV = "TRUSTWATCH_INBOUND_BATCH"
DRAIN_ENV = "TRUSTWATCH_INBOUND_DRAIN_SECONDS"
LINGER_ENV = "TRUSTWATCH_INBOUND_LINGER_SECONDS"


@dataclass(frozen=True)
class Drain:
    """How long one run keeps taking events: why a run does not stop at its first batch.

    With one run at a time (`max_active_runs=1`), an event stored while a run works would
    otherwise wait for the next run: the scheduler's hops and a fresh task process, most
    of a minute on a busy machine. So a run takes batch after batch until the table is
    empty, then watches it for `linger` seconds more (a cheap indexed count each `poll`)
    before it ends, and stops taking new batches after `seconds` in all, well inside the
    task's execution timeout. An event arriving after that wakes the next run (its
    notice queues one) or waits for the 10-minute sweep.
    """

    seconds: float = 240.0
    linger: float = 0.0
    poll: float = 1.0

    @classmethod
    def from_env(cls) -> Drain:
        """The DAG's bounds: TRUSTWATCH_INBOUND_DRAIN_SECONDS (240), _LINGER_SECONDS (30)."""
        return cls(
            seconds=max(float(os.environ.get(DRAIN_ENV, "240")), 0.0),
            linger=max(float(os.environ.get(LINGER_ENV, "30")), 0.0),
        )


def ingest_inbound(window: Window, *, skip: Collection[int] = ()) -> dict[str, Any]:
    """Load every unprocessed inbound event (oldest first, one bounded batch)."""
    from trustwatch.inbound.process import DEFAULT_BATCH, process_pending
    from trustwatch.pipeline.ingest_step import make_gate
    from trustwatch.quality.runner import SuiteOutcome

    reg = registry()
    clock = dt.datetime.now(dt.UTC)
    outcomes: list[SuiteOutcome] = []
    summary = process_pending(
        engine(),
        reg,
        pseudonym_secret=get_settings().pseudonym_key(),
        now=clock,
        gate_for=lambda platform: make_gate(reg, platform, clock, outcomes),
        limit=int(os.environ.get(BATCH_ENV, DEFAULT_BATCH)),
        skip=skip,
    )
    return {"as_of": window.end.isoformat(), **summary.as_dict()}


def classify_inbound(item_ids: list[int]) -> dict[str, Any]:
    """Score just these items with the configured model (loaded once per process)."""
    from classifiers.job import classify_items
    from trustwatch.pipeline.classify_step import CLASSIFIER_ENV, load_classifier

    if not item_ids:
        return {"items_scored": 0}
    model = load_classifier(os.environ.get(CLASSIFIER_ENV, "").strip())
    with session_scope(engine()) as session:
        summary = classify_items(session, model, only=item_ids)
    return {
        "model_version": summary.model_version,
        "items_scored": summary.items_scored,
        "above_threshold": dict(summary.above_threshold),
    }


def alert_inbound(item_ids: list[int]) -> dict[str, Any]:
    """Raise label alerts for just these items, as of now."""
    from trustwatch.alerts.engine import refresh_alerts

    if not item_ids:
        return {"created": 0}
    with session_scope(engine()) as session:
        result = refresh_alerts(session, registry(), now=dt.datetime.now(dt.UTC), only=item_ids)
    return {"created": result.created, "escalated": result.escalated}


def notify_inbound() -> dict[str, Any]:
    """Announce every critical/high alert not yet announced, as of the wall clock.

    Not as of the run's logical time: an asset-triggered run's logical time is when the
    notice came, before the alert it raised existed, and `open_alerts` would not see it.
    """
    from trustwatch.pipeline.notify_step import notify_alerts

    now = dt.datetime.now(dt.UTC)
    return notify_alerts(Window(now, now))


def items_processed_since(since: dt.datetime) -> list[int]:
    """Items of the inbound events processed at or after `since`.

    A retried run finds its events already processed (the first try loaded them), so it
    scores, alerts and notifies the items of every event processed since the run began,
    not only what its own load step returned.
    """
    from sqlalchemy import select, tuple_

    from trustwatch.db.models import InboundEvent, Item

    with session_scope(engine()) as session:
        keys = session.execute(
            select(InboundEvent.platform, InboundEvent.object_id).where(
                InboundEvent.processed_at >= since
            )
        ).all()
        if not keys:
            return []
        found = session.scalars(
            select(Item.item_id).where(
                tuple_(Item.platform, Item.external_id).in_([(k[0], k[1]) for k in keys])
            )
        ).all()
    return sorted(set(found))


def _process_round(window: Window, skip: Collection[int], extra: list[int], notify: bool):
    loaded = ingest_inbound(window, skip=skip)
    ids = sorted(set(loaded["item_ids"]) | set(extra))
    out = {"ingest": loaded, "classify": classify_inbound(ids), "alerts": alert_inbound(ids)}
    if notify and ids:
        out["notify"] = notify_inbound()
    return out, ids


def _add(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, bool) or not isinstance(value, int | float | dict):
            total.setdefault(key, value)
        elif isinstance(value, dict):
            _add(total.setdefault(key, {}), value)
        else:
            total[key] = total.get(key, 0) + value


def _wait_for_more(
    engine_: Any,
    skip: Collection[int],
    drain: Drain,
    deadline: float,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> bool:
    """True once an event is waiting; False after `linger` seconds of an empty table."""
    from trustwatch.inbound.process import pending_count

    until = min(clock() + drain.linger, deadline)
    while True:
        if pending_count(engine_, skip=skip):
            return True
        if clock() >= until:
            return False
        sleep(drain.poll)


def run_event_path(
    window: Window,
    *,
    notify: bool = True,
    drain: Drain | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Load, score, alert and notify in one process: the ingest_events DAG's one task.

    One task rather than four: on the event path each task's own process start, DAG
    parse and imports cost more than the work (benchmarks/time_to_alert.py). Every step
    is idempotent, so a retry of the whole is safe; `items_processed_since` gives a retry
    the items its first try loaded. Rounds repeat until the table is empty (`Drain`), so
    an event stored mid-run is taken by this run; events whose load failed are left for
    the next run rather than retried in a loop.
    """
    drain = drain or Drain()
    deadline = clock() + drain.seconds
    failed: set[int] = set()
    total: dict[str, Any] = {}
    items: set[int] = set()
    rounds = 0
    extra = items_processed_since(window.end)
    while True:
        out, ids = _process_round(window, failed, extra, notify)
        extra = []
        rounds += 1
        failed |= set(out["ingest"].pop("failed_ids", []))
        out["ingest"].pop("item_ids", None)
        items |= set(ids)
        _add(total, out)
        if clock() >= deadline:
            break
        if out["ingest"]["events"] == 0 and not _wait_for_more(
            engine(), failed, drain, deadline, clock=clock, sleep=sleep
        ):
            break
    total.setdefault("classify", {"items_scored": 0})
    total.setdefault("alerts", {"created": 0})
    total["items"] = len(items)
    total["rounds"] = rounds
    return total


INBOX_STREAMS = ("reddit.mentions", "reddit.comment_replies")


def reddit_inbox_labels() -> list[str]:
    """Partitions of the school accounts' Reddit inboxes: mentions and comment replies."""
    from trustwatch.ingest import plan_partitions

    planned = plan_partitions(registry(), platform="reddit")
    return [p.label for p in planned if p.stream_cls.name in INBOX_STREAMS]
