"""What an SLA outcome and a trend flag mean, table-driven."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from trustwatch.reports.metrics import (
    MIN_TREND_COUNT,
    VolumeRow,
    classify_sla,
    nearest_rank_hours,
    sla_row,
)

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _row(responded_after: float | None, due_after: float = 24.0) -> dict[str, object]:
    return {
        "received_at": T0,
        "due_at": T0 + dt.timedelta(hours=due_after),
        "responded_at": None
        if responded_after is None
        else T0 + dt.timedelta(hours=responded_after),
        "response_seconds": None if responded_after is None else responded_after * 3600,
        "school_key": "oakfield",
    }


@pytest.mark.parametrize(
    ("responded_after", "as_of_after", "expected"),
    [
        (2.0, 48, "met"),
        (24.0, 48, "met"),  # exactly on the due time is in time
        (24.5, 48, "breached"),
        (None, 30, "breached"),  # unanswered, due time passed
        (None, 10, "pending"),  # unanswered, still in time
        (30.0, 10, "breached"),  # a late answer is late whatever the report date
    ],
)
def test_classify_sla(responded_after: float | None, as_of_after: float, expected: str) -> None:
    frame = pd.DataFrame([_row(responded_after)])
    for column in ("received_at", "due_at", "responded_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    outcome = classify_sla(frame, T0 + dt.timedelta(hours=as_of_after))
    assert outcome.tolist() == [expected]


def test_sla_row_rates_and_quantiles() -> None:
    frame = pd.DataFrame([_row(h) for h in (1, 2, 3, 4, 30)] + [_row(None)])
    for column in ("received_at", "due_at", "responded_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    row = sla_row("oakfield", "Oakfield", frame, T0 + dt.timedelta(hours=12))
    assert (row.received, row.met, row.breached, row.pending) == (6, 4, 1, 1)
    assert row.compliance_pct == pytest.approx(80.0)
    assert row.median_hours == pytest.approx(3.0)
    assert row.p90_hours == pytest.approx(30.0)  # nearest rank (9*5+9)//10 = 5th of 5


@pytest.mark.parametrize(
    ("hours", "median", "p90"),
    [([5.0], 5.0, 5.0), ([1.0, 9.0], 1.0, 9.0), ([float(h) for h in range(1, 11)], 5.0, 9.0)],
)
def test_quantiles_use_the_marts_nearest_rank(
    hours: list[float], median: float, p90: float
) -> None:
    seconds = pd.Series([h * 3600 for h in hours])
    assert nearest_rank_hours(seconds, 1, 2) == pytest.approx(median)
    assert nearest_rank_hours(seconds, 9, 10) == pytest.approx(p90)


def test_no_decided_items_gives_no_rate() -> None:
    row = sla_row("x", "X", pd.DataFrame(columns=list(_row(1))), T0)
    assert row.compliance_pct is None and row.median_hours is None


@pytest.mark.parametrize(
    ("current", "previous", "too_small", "pct"),
    [(40, 20, False, 100.0), (MIN_TREND_COUNT - 1, 50, True, -82.0), (12, 0, True, None)],
)
def test_volume_change(current: int, previous: int, too_small: bool, pct: float | None) -> None:
    row = VolumeRow("k", "K", current, previous)
    assert row.too_small is too_small
    assert row.change == current - previous
    assert row.change_pct == (None if pct is None else pytest.approx(pct))
