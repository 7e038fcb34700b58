"""The 24-hour response rule as pure functions: when a reply is due, and where a clock stands.

The trust policy says comments "must be responded to within 24 hours (or on the next
working day if received at a weekend)". Read literally, and as issue 5 fixes it:

- a working day is Monday to Friday, not a bank holiday (the `holidays` package, England
  by default) and not one of the school's closure dates, judged by the *local* date;
- received on a working day: due = received + 24 elapsed hours (DST changes included:
  elapsed time, not wall-clock time);
- received on a non-working day: due = local midnight at the end of the next working day;
- with `roll_forward_non_working_due`, a due time that lands on a non-working day moves to
  the end of the next working day (an instant exactly at local midnight belongs to the day
  that just ended, so Friday 00:00 + 24 h = the end of Friday, not Saturday).

Nothing here touches Airflow or the database, so the rule is testable on its own and the
same code serves the SLA job, the alert engine, the CLI and the benchmark. `due_at` is the
readable reference; `due_at_many` is the vectorised form for bulk recomputation and gives
identical answers (the tests hold it to that).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from trustwatch.registry import Registry

__all__ = [
    "SlaStatus",
    "WorkingCalendar",
    "due_at",
    "due_at_many",
    "status_at",
    "statuses_many",
]

_UNIT = "us"  # Python datetimes carry microseconds; keeping the same unit keeps results equal.
_WEEKMASK = "1111100"
_SEARCH_DAYS = 400  # a closure longer than this would be a data error, not a holiday


class SlaStatus(StrEnum):
    """Where one response clock stands at a given instant."""

    MET = "met"  # answered by the due time
    BREACHED = "breached"  # answered, but late
    OPEN = "open"  # unanswered, more than the lead time left
    AT_RISK = "at_risk"  # unanswered, less than the lead time left
    OPEN_BREACHED = "open_breached"  # unanswered and already late


@lru_cache(maxsize=256)
def _bank_holidays(country: str, subdivision: str | None, year: int) -> frozenset[dt.date]:
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=year))


@dataclass(frozen=True)
class WorkingCalendar:
    """Which local dates are working days for one school (or the trust), and the clock length.

    Frozen and hashable so it can key caches; build it with `from_registry`.
    """

    timezone: str = "Europe/London"
    country: str = "GB"
    subdivision: str | None = "ENG"
    closures: frozenset[dt.date] = field(default_factory=frozenset)
    roll_forward_non_working_due: bool = False
    response_hours: float = 24.0

    def __post_init__(self) -> None:
        if self.response_hours <= 0:
            raise ValueError(f"response_hours must be positive, got {self.response_hours}")
        ZoneInfo(self.timezone)  # fail now, not on the first due time

    @classmethod
    def from_registry(cls, registry: Registry, school_key: str | None = None) -> WorkingCalendar:
        """The trust's calendar, plus one school's closure dates when `school_key` is given."""
        trust = registry.trust
        closures: frozenset[dt.date] = frozenset()
        if school_key is not None:
            try:
                school = registry.school(school_key)
            except KeyError:
                raise ValueError(f"no school with key '{school_key}' in the registry") from None
            closures = frozenset(school.closure_dates())
        return cls(
            timezone=trust.timezone,
            country=trust.bank_holidays.country,
            subdivision=trust.bank_holidays.subdivision,
            closures=closures,
            roll_forward_non_working_due=trust.roll_forward_non_working_due,
            response_hours=trust.response_hours,
        )

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def bank_holidays(self, year: int) -> frozenset[dt.date]:
        return _bank_holidays(self.country, self.subdivision, year)

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.weekday() < 5
            and day not in self.bank_holidays(day.year)
            and day not in self.closures
        )

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        for offset in range(1, _SEARCH_DAYS + 1):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_SEARCH_DAYS} days after {day}; check closures")

    def end_of_day(self, day: dt.date) -> dt.datetime:
        """Local midnight at the end of `day`, as an aware UTC instant."""
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=self.tz)
        return midnight.astimezone(dt.UTC)

    def non_working_dates(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Bank holidays and closures in [first, last]; weekends are left to the week mask."""
        days = {d for year in range(first.year, last.year + 1) for d in self.bank_holidays(year)}
        days |= self.closures
        return sorted(d for d in days if first <= d <= last)


DEFAULT_CALENDAR = WorkingCalendar()


def _day_of_instant(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The local day an instant belongs to; exact local midnight closes the previous day."""
    local = instant.astimezone(tz)
    if local.time() == dt.time(0, 0):
        return local.date() - dt.timedelta(days=1)
    return local.date()


def due_at(received_at: dt.datetime, calendar: WorkingCalendar | None = None) -> dt.datetime:
    """When a reply to something received at `received_at` is due, in the input's time zone.

    Raises ValueError for a naive datetime: guessing its zone would move due times by an
    hour twice a year without anyone noticing.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError(
            f"received_at {received_at.isoformat()} has no time zone; pass an aware datetime"
        )
    cal = calendar or DEFAULT_CALENDAR
    received_day = received_at.astimezone(cal.tz).date()
    if cal.is_working_day(received_day):
        due = received_at.astimezone(dt.UTC) + dt.timedelta(hours=cal.response_hours)
        if cal.roll_forward_non_working_due:
            due_day = _day_of_instant(due, cal.tz)
            if not cal.is_working_day(due_day):
                due = cal.end_of_day(cal.next_working_day(due_day))
    else:
        due = cal.end_of_day(cal.next_working_day(received_day))
    return due.astimezone(received_at.tzinfo)


# --- vectorised -----------------------------------------------------------------------------


def _as_utc_index(received: Any) -> pd.DatetimeIndex:
    """Aware pandas/Python datetimes, or numpy datetime64 taken as UTC instants."""
    if isinstance(received, np.ndarray) and np.issubdtype(received.dtype, np.datetime64):
        index = pd.DatetimeIndex(received).tz_localize("UTC")
    else:
        index = pd.DatetimeIndex(received)
        if index.tz is None:
            raise ValueError(
                "receipt times have no time zone; pass aware datetimes (or numpy datetime64 "
                "values, which are taken as UTC)"
            )
        index = index.tz_convert("UTC")
    if index.hasnans:
        raise ValueError("receipt times contain missing values (NaT)")
    return index.as_unit(_UNIT)


def _local_days(utc: pd.DatetimeIndex, tz: str, *, midnight_closes: bool) -> np.ndarray:
    wall = utc.tz_convert(tz).tz_localize(None)
    days = wall.floor("D")
    out = days.values.astype("datetime64[D]")
    if midnight_closes:
        out = out - (wall == days).astype("timedelta64[D]")
    return out


def _end_of_days(days: np.ndarray, cal: WorkingCalendar) -> np.ndarray:
    """End-of-day instants (int64 µs) for many dates: computed once per distinct date."""
    unique, inverse = np.unique(days, return_inverse=True)
    ends = np.array([_to_us(cal.end_of_day(d.astype(dt.date))) for d in unique], dtype=np.int64)
    return ends[inverse]


def _to_us(instant: dt.datetime) -> int:
    delta = instant - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _busday_calendar(cal: WorkingCalendar, days: np.ndarray) -> np.busdaycalendar:
    first = days.min().astype(dt.date)
    last = days.max().astype(dt.date) + dt.timedelta(days=_SEARCH_DAYS)
    return np.busdaycalendar(weekmask=_WEEKMASK, holidays=cal.non_working_dates(first, last))


def due_at_many(received: Any, calendar: WorkingCalendar | None = None) -> pd.DatetimeIndex:
    """`due_at` for many instants at once; returns a UTC DatetimeIndex in input order.

    Accepts anything `pd.DatetimeIndex` takes that is tz-aware (a Series, an index, a list
    of aware datetimes), or a numpy datetime64 array whose values are UTC instants.
    """
    cal = calendar or DEFAULT_CALENDAR
    utc = _as_utc_index(received)
    if len(utc) == 0:
        return pd.DatetimeIndex([], tz="UTC").as_unit(_UNIT)
    received_us = utc.asi8
    received_days = _local_days(utc, cal.timezone, midnight_closes=False)
    bdc = _busday_calendar(cal, received_days)
    working = np.is_busday(received_days, busdaycal=bdc)

    due = received_us + round(cal.response_hours * 3600 * 1_000_000)
    off = ~working
    if off.any():
        next_days = np.busday_offset(received_days[off], 0, roll="forward", busdaycal=bdc)
        due[off] = _end_of_days(next_days, cal)

    if cal.roll_forward_non_working_due and working.any():
        due_idx = pd.DatetimeIndex(due[working].astype("datetime64[us]")).tz_localize("UTC")
        due_days = _local_days(due_idx, cal.timezone, midnight_closes=True)
        lands_off = ~np.is_busday(due_days, busdaycal=bdc)
        if lands_off.any():
            moved = np.busday_offset(due_days[lands_off], 0, roll="forward", busdaycal=bdc)
            sub = due[working]
            sub[lands_off] = _end_of_days(moved, cal)
            due[working] = sub
    return pd.DatetimeIndex(due.astype("datetime64[us]")).tz_localize("UTC")


# --- statuses -------------------------------------------------------------------------------


def status_at(
    due: dt.datetime,
    responded_at: dt.datetime | None,
    now: dt.datetime,
    *,
    lead_hours: float = 4.0,
) -> SlaStatus:
    """The status of one clock at `now`; `lead_hours` is how early "at risk" starts."""
    if responded_at is not None:
        return SlaStatus.MET if responded_at <= due else SlaStatus.BREACHED
    if now >= due:
        return SlaStatus.OPEN_BREACHED
    if now >= due - dt.timedelta(hours=lead_hours):
        return SlaStatus.AT_RISK
    return SlaStatus.OPEN


def _to_us_array(values: Any) -> np.ndarray:
    """int64 µs since the epoch; NaT stays NaT's sentinel (the int64 minimum)."""
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[us]").astype(np.int64)
    index = pd.DatetimeIndex(values)
    if index.tz is None and len(index) and not index.isna().all():
        raise ValueError("times have no time zone; pass aware datetimes or numpy datetime64")
    if index.tz is not None:
        index = index.tz_convert("UTC")
    return index.as_unit(_UNIT).asi8


_NAT = np.iinfo(np.int64).min


def statuses_many(
    due: Any,
    responded_at: Any,
    now: dt.datetime,
    *,
    lead_hours: float = 4.0,
) -> np.ndarray:
    """`status_at` for many clocks: an array of status strings (the `SlaStatus` values)."""
    if now.tzinfo is None:
        raise ValueError("now has no time zone; pass an aware datetime")
    due_us = _to_us_array(due)
    responded_us = _to_us_array(responded_at)
    if due_us.shape != responded_us.shape:
        raise ValueError(f"{len(due_us)} due times but {len(responded_us)} response times")
    if (due_us == _NAT).any():
        raise ValueError("due times contain missing values (NaT)")
    now_us = _to_us(now.astimezone(dt.UTC))
    lead_us = round(lead_hours * 3600 * 1_000_000)
    answered = responded_us != _NAT
    return np.select(
        [
            answered & (responded_us <= due_us),
            answered,
            now_us >= due_us,
            now_us >= due_us - lead_us,
        ],
        [
            SlaStatus.MET.value,
            SlaStatus.BREACHED.value,
            SlaStatus.OPEN_BREACHED.value,
            SlaStatus.AT_RISK.value,
        ],
        default=SlaStatus.OPEN.value,
    )
