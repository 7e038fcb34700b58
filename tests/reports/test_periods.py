"""Report periods: complete weeks and months, English terms to date, and what they follow."""

from __future__ import annotations

import datetime as dt

import pytest

from trustwatch.reports.periods import (
    PeriodKind,
    period_for,
    previous_period,
    term_containing,
    terms_of_year,
)

LONDON = "Europe/London"


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        ("2026-11-30T07:00:00+00:00", "2026-11-23", "2026-11-30"),  # Monday morning
        ("2026-11-29T23:30:00+00:00", "2026-11-16", "2026-11-23"),  # Sunday night: week not over
        ("2027-01-03T12:00:00+00:00", "2026-12-21", "2026-12-28"),  # across the year end
    ],
)
def test_week_is_last_complete_monday_to_sunday(now: str, start: str, end: str) -> None:
    period = period_for(PeriodKind.WEEK, _at(now), LONDON)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)
    assert period.start.weekday() == 0


def test_week_edges_are_local_midnight_in_summer_time() -> None:
    period = period_for("week", _at("2026-06-15T08:00:00+00:00"), LONDON)
    assert period.start == dt.date(2026, 6, 8)
    assert period.start_at == dt.datetime(2026, 6, 7, 23, 0, tzinfo=dt.UTC)  # BST is UTC+1


def test_month_is_last_complete_calendar_month() -> None:
    period = period_for("month", _at("2026-03-01T00:30:00+00:00"), LONDON)
    assert (period.start, period.end) == (dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    before = previous_period(period)
    assert (before.start, before.end) == (dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert period.label == "February 2026"


def test_terms_follow_easter() -> None:
    spring, summer, autumn = terms_of_year(2027)  # Easter Sunday 2027 is 28 March
    assert (spring.start, spring.end) == (dt.date(2027, 1, 1), dt.date(2027, 3, 28))
    assert (summer.start, summer.end) == (dt.date(2027, 3, 28), dt.date(2027, 8, 1))
    assert (autumn.start, autumn.end) == (dt.date(2027, 9, 1), dt.date(2028, 1, 1))


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2026-11-28", "autumn"),
        ("2027-03-27", "spring"),
        ("2027-03-28", "summer"),
        ("2027-08-15", "summer"),
    ],
)
def test_term_containing(day: str, name: str) -> None:
    assert term_containing(dt.date.fromisoformat(day)).name == name


def test_term_to_date_is_compared_with_the_same_span_of_the_previous_term() -> None:
    period = period_for("term", _at("2026-11-28T10:00:00+00:00"), LONDON)
    assert (period.start, period.end) == (dt.date(2026, 9, 1), dt.date(2026, 11, 29))
    assert period.label == "Autumn term 2026/27 to 28 Nov 2026"
    before = previous_period(period)
    assert before.start == dt.date(2026, 4, 5)  # Easter Sunday 2026
    assert before.end == dt.date(2026, 7, 3)  # the first 89 days, as many as the autumn so far
    assert before.label == "Summer term 2025/26 (first 89 days)"
    spring = previous_period(period_for("term", _at("2027-01-20T10:00:00+00:00"), LONDON))
    assert (spring.start, spring.end) == (dt.date(2026, 9, 1), dt.date(2026, 9, 21))
