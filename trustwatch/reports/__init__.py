"""Trust-level trend reports (HTML and PDF) built from the warehouse.

Public entry points, called by the CLI and the `report_weekly` DAG:
`build_report(engine, registry, period=..., now=...)` and `send_weekly(...)`.
"""

from __future__ import annotations

from trustwatch.reports.build import build_report
from trustwatch.reports.periods import Period, PeriodKind, period_for, previous_period
from trustwatch.reports.render import ReportFiles
from trustwatch.reports.weekly import send_weekly

__all__ = [
    "Period",
    "PeriodKind",
    "ReportFiles",
    "build_report",
    "period_for",
    "previous_period",
    "send_weekly",
]
