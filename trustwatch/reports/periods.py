"""Reporting periods: ISO weeks, calendar months and English school terms.

Trust leaders read a report for "last week", "last month" or "this term", so a period is
a span of local calendar days in the trust's time zone, turned into UTC instants only at
the edges. Weeks and months are the last *complete* one before `now` (a Monday-morning
report covers the week just ended); a term is the one `now` falls in, to date, because a
term report is read during the term.

English school terms (the same dates every year, so no per-school calendar is needed):

- autumn: 1 September to 31 December (Christmas holiday included);
- spring: 1 January to the day before Easter Sunday;
- summer: Easter Sunday to 31 July.

August is the summer holiday and belongs to no term: a term report asked for in August
covers the summer term just ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.easter import easter


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    TERM = "term"


@dataclass(frozen=True)
class Period:
    """Local days [start, end) in the trust's time zone, with a human label."""

    kind: PeriodKind
    label: str
    start: dt.date
    end: dt.date
    timezone: str

    @property
    def start_at(self) -> dt.datetime:
        return _local_midnight_utc(self.start, self.timezone)

    @property
    def end_at(self) -> dt.datetime:
        return _local_midnight_utc(self.end, self.timezone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def slug(self) -> str:
        return f"{self.kind.value}-{self.start.isoformat()}"


def _local_midnight_utc(day: dt.date, timezone: str) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC)


@dataclass(frozen=True)
class Term:
    name: str
    start: dt.date
    end: dt.date  # exclusive


def terms_of_year(year: int) -> list[Term]:
    """The three terms that start in calendar year `year`, in order."""
    easter_sunday = easter(year)
    return [
        Term("spring", dt.date(year, 1, 1), easter_sunday),
        Term("summer", easter_sunday, dt.date(year, 8, 1)),
        Term("autumn", dt.date(year, 9, 1), dt.date(year + 1, 1, 1)),
    ]


def term_containing(day: dt.date) -> Term:
    """The term `day` falls in; in August, the summer term just ended."""
    for term in terms_of_year(day.year):
        if term.start <= day < term.end:
            return term
    return terms_of_year(day.year)[1]


def term_before(term: Term) -> Term:
    ordered = terms_of_year(term.start.year - 1) + terms_of_year(term.start.year)
    index = next(i for i, t in enumerate(ordered) if t.start == term.start)
    return ordered[index - 1]


def _term_label(term: Term) -> str:
    year = term.start.year
    academic = (
        f"{year}/{str(year + 1)[-2:]}" if term.name == "autumn" else f"{year - 1}/{str(year)[-2:]}"
    )
    return f"{term.name.capitalize()} term {academic}"


def period_for(kind: PeriodKind | str, now: dt.datetime, timezone: str) -> Period:
    """The period a report run at `now` covers (see the module docstring)."""
    kind = PeriodKind(kind)
    today = now.astimezone(ZoneInfo(timezone)).date()
    if kind is PeriodKind.WEEK:
        this_monday = today - dt.timedelta(days=today.weekday())
        start = this_monday - dt.timedelta(days=7)
        iso = start.isocalendar()
        return Period(
            kind,
            f"Week {iso.week} of {iso.year} (from {start:%d %b})",
            start,
            this_monday,
            timezone,
        )
    if kind is PeriodKind.MONTH:
        end = today.replace(day=1)
        start = (end - dt.timedelta(days=1)).replace(day=1)
        return Period(kind, f"{start:%B %Y}", start, end, timezone)
    term = term_containing(today)
    end = min(term.end, today + dt.timedelta(days=1))
    label = _term_label(term) + ("" if end == term.end else f" to {today:%d %b %Y}")
    return Period(kind, label, term.start, end, timezone)


def previous_period(period: Period) -> Period:
    """The period to compare with: the one before, over the same span for a term to date.

    A term to date is compared with the same number of days from the start of the
    previous term, so a half-finished term is not set against a whole one.
    """
    if period.kind is PeriodKind.WEEK:
        start = period.start - dt.timedelta(days=7)
        iso = start.isocalendar()
        return Period(
            period.kind, f"Week {iso.week} of {iso.year}", start, period.start, period.timezone
        )
    if period.kind is PeriodKind.MONTH:
        start = (period.start - dt.timedelta(days=1)).replace(day=1)
        return Period(period.kind, f"{start:%B %Y}", start, period.start, period.timezone)
    before = term_before(term_containing(period.start))
    end = min(before.end, before.start + dt.timedelta(days=period.days))
    label = _term_label(before) + ("" if end == before.end else f" (first {period.days} days)")
    return Period(period.kind, label, before.start, end, period.timezone)
