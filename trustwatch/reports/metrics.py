"""Report figures computed from the rows `trustwatch.reports.queries` returns.

Pure functions on DataFrames: no database, no templates, so each definition below is the
one place that says what a figure means.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Below this many items in either period a percentage change is noise, not a trend.
MIN_TREND_COUNT = 10


@dataclass(frozen=True)
class VolumeRow:
    key: str
    label: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def change_pct(self) -> float | None:
        if self.previous == 0:
            return None
        return 100.0 * self.change / self.previous

    @property
    def too_small(self) -> bool:
        """True when either count is too small to read a trend from."""
        return min(self.current, self.previous) < MIN_TREND_COUNT


def volume_rows(
    current: pd.DataFrame, previous: pd.DataFrame, column: str, labels: dict[str, str]
) -> list[VolumeRow]:
    """Distinct items per value of `column`, now and before; every labelled key is listed."""
    now_counts = current.groupby(column)["item_id"].nunique() if len(current) else pd.Series()
    before_counts = previous.groupby(column)["item_id"].nunique() if len(previous) else pd.Series()
    keys = list(labels) + sorted((set(now_counts.index) | set(before_counts.index)) - set(labels))
    return [
        VolumeRow(
            key=str(key),
            label=labels.get(key, str(key)),
            current=int(now_counts.get(key, 0)),
            previous=int(before_counts.get(key, 0)),
        )
        for key in keys
    ]


def total_row(current: pd.DataFrame, previous: pd.DataFrame) -> VolumeRow:
    return VolumeRow(
        "all", "All items", int(current["item_id"].nunique()), int(previous["item_id"].nunique())
    )


@dataclass(frozen=True)
class SlaRow:
    """Response figures for one school or account over the response clocks it was given."""

    key: str
    label: str
    received: int
    met: int
    breached: int
    pending: int
    median_hours: float | None
    p90_hours: float | None

    @property
    def compliance_pct(self) -> float | None:
        decided = self.met + self.breached
        return None if decided == 0 else 100.0 * self.met / decided


def classify_sla(rows: pd.DataFrame, as_of: dt.datetime) -> pd.Series:
    """met, breached or pending for each row, from its timestamps alone.

    Met: a response by the due time. Breached: a late response, or none and the due time
    has passed by `as_of`. Pending: no response yet, still in time; it is left out of
    the compliance rate because it can still go either way.
    """
    if rows.empty:
        return pd.Series(dtype=object)
    responded = rows["responded_at"].notna()
    on_time = responded & (rows["responded_at"] <= rows["due_at"])
    overdue = ~responded & (rows["due_at"] <= as_of)
    outcome = np.where(on_time, "met", np.where(responded | overdue, "breached", "pending"))
    return pd.Series(outcome, index=rows.index)


def nearest_rank_hours(seconds: pd.Series, numerator: int, denominator: int) -> float | None:
    """Nearest-rank quantile in hours, ranked exactly as `sql/marts/sla_weekly.sql` does.

    The mart takes rank (n + 1) / 2 for the median and (9n + 9) / 10 for the 90th
    percentile (integer division); using the same ranks keeps the report and the
    dashboards on one figure instead of two that differ by interpolation.
    """
    values = np.sort(seconds.dropna().astype(float).to_numpy())
    if values.size == 0:
        return None
    rank = (numerator * values.size + numerator) // denominator
    return float(values[min(max(rank, 1), values.size) - 1]) / 3600.0


def sla_row(key: str, label: str, rows: pd.DataFrame, as_of: dt.datetime) -> SlaRow:
    outcome = classify_sla(rows, as_of)
    seconds = rows["response_seconds"] if len(rows) else pd.Series(dtype=float)
    return SlaRow(
        key=key,
        label=label,
        received=len(rows),
        met=int((outcome == "met").sum()),
        breached=int((outcome == "breached").sum()),
        pending=int((outcome == "pending").sum()),
        median_hours=nearest_rank_hours(seconds, 1, 2),
        p90_hours=nearest_rank_hours(seconds, 9, 10),
    )


def sla_by_school(rows: pd.DataFrame, schools: dict[str, str], as_of: dt.datetime) -> list[SlaRow]:
    return [
        sla_row(key, name, rows[rows["school_key"] == key], as_of) for key, name in schools.items()
    ]


def sla_by_account(rows: pd.DataFrame, as_of: dt.datetime) -> list[SlaRow]:
    if rows.empty:
        return []
    out: list[SlaRow] = []
    for (school, platform, handle), group in rows.groupby(
        ["school_key", "platform", "handle"], sort=True
    ):
        out.append(
            sla_row(
                f"{school}:{platform}:{handle}", f"{school} · {platform} @{handle}", group, as_of
            )
        )
    return out


def breaches(rows: pd.DataFrame, as_of: dt.datetime) -> pd.DataFrame:
    """The breached rows, latest first, with how late each one was (or still is)."""
    if rows.empty:
        return rows.assign(hours_late=pd.Series(dtype=float))
    outcome = classify_sla(rows, as_of)
    late = rows[outcome == "breached"].copy()
    finished = late["responded_at"].where(late["responded_at"].notna(), as_of)
    late["hours_late"] = (finished - late["due_at"]).dt.total_seconds() / 3600.0
    return late.sort_values("received_at", ascending=False)


@dataclass(frozen=True)
class SafeguardingRow:
    """Counts only: the report never carries a safeguarding item's text."""

    key: str
    label: str
    flagged_items: int
    alerts: int
    open_alerts: int


CLOSED_ALERT_STATUSES = frozenset({"resolved", "dismissed", "closed"})


def safeguarding_rows(
    flagged_rows: pd.DataFrame, alert_rows: pd.DataFrame, schools: dict[str, str]
) -> list[SafeguardingRow]:
    items = flagged_rows[flagged_rows["label"] == "safeguarding"]
    sg_alerts = alert_rows[alert_rows["alert_type"] == "safeguarding"]
    out = []
    for key, name in schools.items():
        mine = sg_alerts[sg_alerts["school_key"] == key]
        out.append(
            SafeguardingRow(
                key=key,
                label=name,
                flagged_items=int(items.loc[items["school_key"] == key, "item_id"].nunique()),
                alerts=len(mine),
                open_alerts=int((~mine["status"].isin(CLOSED_ALERT_STATUSES)).sum()),
            )
        )
    return out
