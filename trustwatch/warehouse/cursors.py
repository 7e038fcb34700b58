"""Where each incremental job left off: one `job_cursors` row per job.

The hourly SLA job, alert refresh and warehouse checks read only rows that changed since
their last run. They keep two marks: `as_of`, the "now" they last ran as of (data time),
and `changed_since`, a wall-clock mark compared with the loaders' `updated_at` /
`classified_at` / `marked_at` stamps. The latter is kept `OVERLAP` behind the run's start,
so a row stamped before the run but committed after it was read is picked up next time
(re-reading a row is harmless: every job is idempotent). A `fingerprint` of the inputs
that are not rows (calendars, school accounts, thresholds) forces a full rebuild when it
changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from trustwatch.db.models import JobCursor, utcnow

__all__ = ["OVERLAP", "Cursor", "fingerprint", "load_cursor", "save_cursor"]

OVERLAP = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Cursor:
    job: str
    as_of: dt.datetime | None
    changed_since: dt.datetime | None
    fingerprint: str | None
    last_id: int | None = None


def fingerprint(value: Any) -> str:
    """A stable hash of JSON-able inputs (sets and dates are turned into sorted strings)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def load_cursor(session: Session, job: str) -> Cursor | None:
    row = session.get(JobCursor, job)
    if row is None:
        return None
    return Cursor(job, row.as_of, row.changed_since, row.fingerprint, row.last_id)


def save_cursor(
    session: Session,
    job: str,
    *,
    as_of: dt.datetime,
    changed_since: dt.datetime,
    fingerprint: str,
    last_id: int | None = None,
) -> None:
    """Move the job's marks; in the caller's transaction, so a failed run moves nothing."""
    row = session.get(JobCursor, job)
    if row is None:
        row = JobCursor(job=job)
        session.add(row)
    row.as_of, row.changed_since, row.fingerprint = as_of, changed_since, fingerprint
    row.last_id = last_id
    row.updated_at = utcnow()
    session.flush()
