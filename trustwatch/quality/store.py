"""Keep every suite outcome in `validation_results`, where data staff can see it.

One row per (suite, target, data interval): a rerun of the same interval rewrites its
row only if the outcome differs, so reruns leave the warehouse as they found it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustwatch.db.models import ValidationResult, utcnow
from trustwatch.quality.runner import SuiteOutcome
from trustwatch.warehouse.upsert import upsert


def record_outcome(
    session: Session,
    outcome: SuiteOutcome,
    *,
    target: str,
    interval: tuple[dt.datetime, dt.datetime],
) -> None:
    upsert(
        session,
        ValidationResult.__table__,
        [
            {
                "suite_name": outcome.suite,
                "target": target,
                "data_interval_start": interval[0],
                "data_interval_end": interval[1],
                "success": outcome.success,
                "evaluated": outcome.evaluated,
                "failed": outcome.failed,
                "rows_checked": outcome.rows_checked,
                "rows_failed": outcome.rows_failed,
                "failures": [f.as_dict() for f in outcome.failures],
                "result_hash": outcome.result_hash(),
                "run_at": utcnow(),
            }
        ],
        keys=["suite_name", "target", "data_interval_start", "data_interval_end"],
        update=[
            "success",
            "evaluated",
            "failed",
            "rows_checked",
            "rows_failed",
            "failures",
            "result_hash",
            "run_at",
        ],
        when_changed="result_hash",
    )


def recent_results(
    session: Session, *, limit: int = 50, failed_only: bool = False, suite: str | None = None
) -> Sequence[ValidationResult]:
    query = select(ValidationResult).order_by(
        ValidationResult.data_interval_end.desc(), ValidationResult.validation_result_id.desc()
    )
    if failed_only:
        query = query.where(ValidationResult.success.is_(False))
    if suite:
        query = query.where(ValidationResult.suite_name == suite)
    return session.scalars(query.limit(limit)).all()
