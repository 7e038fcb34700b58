"""The demo's closing summary, every figure read back from the warehouse.

Time to alert is measured per label alert as the alert's creation (the simulated clock
of the run that raised it) minus the item's creation on the platform.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustwatch.db.models import (
    Alert,
    Item,
    Quarantine,
    ResponseSla,
    School,
    ValidationResult,
)

CLOCK_ALERTS = ("sla_at_risk", "sla_breached")
CLOSED_STATUSES = ("met", "breached")


@dataclass
class DemoSummary:
    items: dict[tuple[str, str], int] = field(default_factory=dict)
    alerts: dict[tuple[str, str], int] = field(default_factory=dict)
    clocks: dict[str, int] = field(default_factory=dict)
    median_response_hours: float | None = None
    quarantined: dict[str, int] = field(default_factory=dict)
    checks: dict[str, tuple[int, int]] = field(default_factory=dict)
    # (item created at, hours from the item's creation to its alert), per label alert
    alert_delays: list[tuple[dt.datetime, float]] = field(default_factory=list)

    @property
    def compliance(self) -> float | None:
        """Share of clocks decided so far (answered, or unanswered past due) that were met."""
        met = self.clocks.get("met", 0)
        decided = met + self.clocks.get("breached", 0) + self.clocks.get("open_breached", 0)
        return met / decided if decided else None

    def delays(self, start: dt.datetime, end: dt.datetime, *, inside: bool) -> list[float]:
        """Delays of alerts on items created inside (or outside) [start - 1 h, end)."""
        lo = start - dt.timedelta(hours=1)
        return [d for at, d in self.alert_delays if (lo <= at < end) == inside]


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def collect(session: Session) -> DemoSummary:
    out = DemoSummary()
    school = func.coalesce(School.name, "(public, no school)")
    out.items = {
        (platform, name): n
        for platform, name, n in session.execute(
            select(Item.platform, school, func.count())
            .outerjoin(School, School.school_id == Item.school_id)
            .group_by(Item.platform, school)
            .order_by(Item.platform, school)
        )
    }
    out.alerts = {
        (kind, severity): n
        for kind, severity, n in session.execute(
            select(Alert.alert_type, Alert.severity, func.count())
            .group_by(Alert.alert_type, Alert.severity)
            .order_by(Alert.alert_type, Alert.severity)
        )
    }
    clocks = select(ResponseSla).where(ResponseSla.item_id == ResponseSla.clock_item_id)
    out.clocks = dict(
        Counter(row.status for row in session.scalars(clocks))  # one row per clock
    )
    seconds = [
        s
        for s in session.scalars(
            select(ResponseSla.response_seconds).where(
                ResponseSla.item_id == ResponseSla.clock_item_id,
                ResponseSla.response_seconds.is_not(None),
            )
        )
    ]
    out.median_response_hours = float(np.median(seconds)) / 3600 if seconds else None
    out.quarantined = dict(
        session.execute(select(Quarantine.check_name, func.count()).group_by(Quarantine.check_name))
        .tuples()
        .all()
    )
    for suite, success, n in session.execute(
        select(ValidationResult.suite_name, ValidationResult.success, func.count()).group_by(
            ValidationResult.suite_name, ValidationResult.success
        )
    ):
        passed, failed = out.checks.get(suite, (0, 0))
        out.checks[suite] = (passed + n, failed) if success else (passed, failed + n)
    out.alert_delays = [
        (item_at, (alert_at - item_at) / dt.timedelta(hours=1))
        for alert_at, item_at in session.execute(
            select(Alert.created_at, Item.created_at)
            .join(Item, Item.item_id == Alert.item_id)
            .where(Alert.alert_type.not_in(CLOCK_ALERTS))
        )
    ]
    return out


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} h"


def _delay_line(label: str, values: list[float]) -> str:
    return (
        f"  {label}: {len(values)} alerts, p50 {_hours(percentile(values, 50))}, "
        f"p95 {_hours(percentile(values, 95))}"
    )


def render(
    summary: DemoSummary, *, cadence: dt.timedelta, hourly: tuple[dt.datetime, dt.datetime]
) -> str:
    lines = ["", "== items per platform and school =="]
    lines += [f"  {p:<9} {s:<32} {n:>6}" for (p, s), n in summary.items.items()]
    lines += ["", "== alerts by type and severity =="]
    lines += [f"  {k:<14} {sev:<9} {n:>5}" for (k, sev), n in summary.alerts.items()] or ["  none"]
    compliance = summary.compliance
    lines += [
        "",
        "== 24-hour rule ==",
        "  clocks: " + (", ".join(f"{k} {v}" for k, v in sorted(summary.clocks.items())) or "none"),
        f"  compliance (met / decided): {'n/a' if compliance is None else f'{compliance:.0%}'}",
        f"  median response time: {_hours(summary.median_response_hours)}",
        "",
        "== quarantined records ==",
    ]
    lines += [f"  {k:<40} {n:>5}" for k, n in sorted(summary.quarantined.items())] or ["  none"]
    lines += ["", "== data checks (suite runs: passed / failed) =="]
    lines += [f"  {k:<28} {p:>5} / {f}" for k, (p, f) in sorted(summary.checks.items())]
    every = cadence / dt.timedelta(hours=1)
    lines += [
        "",
        "== time to alert (label alerts: item created on the platform -> alert raised) ==",
        _delay_line(
            f"hourly schedule (items created {hourly[0] - dt.timedelta(hours=1):%d %b %H:%M}"
            f"-{hourly[1]:%d %b %H:%M} UTC)",
            summary.delays(*hourly, inside=True),
        ),
        _delay_line(f"every {every:g} h (the rest)", summary.delays(*hourly, inside=False)),
    ]
    return "\n".join(lines)
