"""The checks task: run the warehouse suites, store the outcomes, fail on any breach."""

from __future__ import annotations

from typing import Any

from trustwatch.db.engine import session_scope
from trustwatch.pipeline.runtime import Window, engine, registry
from trustwatch.quality.runner import SuiteOutcome
from trustwatch.quality.store import record_outcome
from trustwatch.quality.warehouse import check_warehouse

TARGET = "warehouse"


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


def run_warehouse_checks(window: Window) -> dict[str, Any]:
    """Validate, then store every outcome in its own transaction before judging it."""
    with session_scope(engine()) as session:
        outcomes = check_warehouse(session, registry())
        for outcome in outcomes:
            record_outcome(session, outcome, target=TARGET, interval=(window.start, window.end))
    summary = {
        "window": window.as_xcom(),
        "suites": len(outcomes),
        "failed_suites": sum(1 for o in outcomes if not o.success),
        "rows_checked": sum(o.rows_checked for o in outcomes),
    }
    breaches = [o for o in outcomes if not o.success]
    if breaches:
        raise DataCheckBreach(f"warehouse data checks failed: {describe(breaches)}")
    return summary
