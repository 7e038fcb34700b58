"""The checks tasks: run the warehouse suites, store the outcomes, fail on any breach.

The hourly task checks the rows loaded or changed since the last check (its marks live in
`job_cursors`, like the SLA job's); the first run, and the daily drift task, check every
row, a slice of keys at a time (see `trustwatch.quality.warehouse`).
"""

from __future__ import annotations

from typing import Any

from trustwatch.db.engine import session_scope
from trustwatch.db.models import utcnow
from trustwatch.pipeline.runtime import Window, engine, registry
from trustwatch.quality.runner import SuiteOutcome
from trustwatch.quality.store import record_outcome
from trustwatch.quality.warehouse import Scope, check_warehouse
from trustwatch.warehouse.cursors import OVERLAP, load_cursor, save_cursor

TARGET = "warehouse"
FULL_TARGET = "warehouse:full"
JOB = "checks"


class DataCheckBreach(RuntimeError):
    """A warehouse suite failed: the task fails so the breach is seen, after it is stored."""


def describe(outcomes: list[SuiteOutcome]) -> str:
    parts = []
    for outcome in outcomes:
        for failure in outcome.failures:
            parts.append(
                f"{outcome.suite}/{failure.check}: {failure.reason} "
                f"({failure.unexpected_count} row(s))"
            )
    return "; ".join(parts)


def _judge(window: Window, outcomes: list[SuiteOutcome], scope: Scope) -> dict[str, Any]:
    summary = {
        "window": window.as_xcom(),
        "scope": "full" if scope.is_full else "changed",
        "suites": len(outcomes),
        "failed_suites": sum(1 for o in outcomes if not o.success),
        "rows_checked": sum(o.rows_checked for o in outcomes),
    }
    breaches = [o for o in outcomes if not o.success]
    if breaches:
        raise DataCheckBreach(f"warehouse data checks failed: {describe(breaches)}")
    return summary


def run_warehouse_checks(window: Window) -> dict[str, Any]:
    """Validate the rows changed since the last check; store every outcome, then judge.

    The marks move with the stored outcomes, even on a breach: the breach is recorded in
    `validation_results` and fails the task, and the daily full run sees it again.
    """
    started = utcnow()
    with session_scope(engine()) as session:
        cursor = load_cursor(session, JOB)
        if cursor is None or cursor.changed_since is None or cursor.as_of is None:
            scope = Scope.full()
        elif window.end < cursor.as_of:  # a replayed, earlier interval: recheck from it
            scope = Scope.changed(cursor.changed_since, window.end, rerun=True)
        else:
            rerun = window.end == cursor.as_of
            scope = Scope.changed(cursor.changed_since, cursor.as_of, rerun=rerun)
        outcomes = check_warehouse(session, registry(), scope)
        for outcome in outcomes:
            record_outcome(session, outcome, target=TARGET, interval=(window.start, window.end))
        save_cursor(
            session,
            JOB,
            as_of=window.end,
            changed_since=started - OVERLAP,
            fingerprint="",
        )
    return _judge(window, outcomes, scope)


def run_full_warehouse_checks(window: Window) -> dict[str, Any]:
    """Every row of every table, for drift the hourly window cannot see (the daily DAG)."""
    scope = Scope.full()
    with session_scope(engine()) as session:
        outcomes = check_warehouse(session, registry(), scope)
        for outcome in outcomes:
            record_outcome(
                session, outcome, target=FULL_TARGET, interval=(window.start, window.end)
            )
    return _judge(window, outcomes, scope)
