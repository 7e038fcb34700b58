"""The 24-hour rule: when a reply is due, which items start a clock, and the job that keeps them.

`rule` holds the pure functions (no database, no Airflow); `clocks` decides which items
start and stop a clock; `responses` holds the manual marks made in the review app; `job`
writes `response_sla`. The rule's public names are re-exported here, so
`trustwatch.sla.due_at` stays the one entry point callers know.
"""

from trustwatch.sla.rule import (
    DEFAULT_CALENDAR,
    SlaStatus,
    WorkingCalendar,
    due_at,
    due_at_many,
    status_at,
    statuses_many,
)

__all__ = [
    "DEFAULT_CALENDAR",
    "SlaStatus",
    "WorkingCalendar",
    "due_at",
    "due_at_many",
    "status_at",
    "statuses_many",
]
