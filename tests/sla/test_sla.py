"""The 24-hour rule (`trustwatch.sla`): exact cases, then properties over random instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustwatch.registry import Registry
from trustwatch.sla.rule import (
    SlaStatus,
    WorkingCalendar,
    due_at,
    due_at_many,
    status_at,
    statuses_many,
)

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
TRUST = WorkingCalendar()
ROLL = WorkingCalendar(roll_forward_non_working_due=True)
INSET = WorkingCalendar(closures=frozenset({dt.date(2026, 11, 23)}))


def ldn(text: str, fold: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON, fold=fold)


# --- exact cases ------------------------------------------------------------------------

CASES = [
    # (why, received (London), calendar, due (London))
    ("weekday: +24 elapsed hours", "2026-11-25T10:00", TRUST, "2026-11-26T10:00"),
    (
        "Friday: literal, lands on Saturday",
        "2026-11-27T10:00",
        TRUST,
        "2026-11-28T10:00",
    ),
    ("Friday, roll forward: end of Monday", "2026-11-27T10:00", ROLL, "2026-12-01T00:00"),
    ("Saturday: end of Monday", "2026-11-28T10:00", TRUST, "2026-12-01T00:00"),
    ("Sunday one minute to midnight: end of Monday", "2026-11-29T23:59", TRUST, "2026-12-01T00:00"),
    ("Saturday 00:00 is Saturday", "2026-11-28T00:00", TRUST, "2026-12-01T00:00"),
    (
        "Friday 00:00 +24 h ends Friday: kept",
        "2026-11-27T00:00",
        ROLL,
        "2026-11-28T00:00",
    ),
    (
        "Friday 23:59:59 +24 h: rolled",
        "2026-11-27T23:59:59",
        ROLL,
        "2026-12-01T00:00",
    ),
    ("INSET day (closure) counts as non-working", "2026-11-23T09:00", INSET, "2026-11-25T00:00"),
    ("the day before INSET, rolled past it", "2026-11-20T09:00", INSET, "2026-11-21T09:00"),
    (
        "no closures: a working day",
        "2026-11-23T09:00",
        TRUST,
        "2026-11-24T09:00",
    ),
    # Christmas 2026: Fri 25, Sat 26, Sun 27, Mon 28 (Boxing Day observed) all off.
    ("Christmas Eve 2026: literal +24 h", "2026-12-24T18:00", TRUST, "2026-12-25T18:00"),
    ("Christmas Eve 2026, rolled: end of Tue 29", "2026-12-24T18:00", ROLL, "2026-12-30T00:00"),
    ("Christmas Day 2026", "2026-12-25T09:00", TRUST, "2026-12-30T00:00"),
    ("Boxing Day observed 2026", "2026-12-28T12:00", TRUST, "2026-12-30T00:00"),
    ("New Year's Day 2027 (Friday)", "2027-01-01T12:00", TRUST, "2027-01-05T00:00"),
    # Christmas 2027: Sat 25, Sun 26, Mon 27 and Tue 28 (both observed) off.
    ("Christmas Day 2027 (Saturday)", "2027-12-25T12:00", TRUST, "2027-12-30T00:00"),
    ("Christmas Eve 2027 (Friday), rolled", "2027-12-24T12:00", ROLL, "2027-12-30T00:00"),
    # Easter 2026: Good Friday 3 April, Easter Monday 6 April (BST).
    ("Maundy Thursday 2026: literal", "2026-04-02T15:00", TRUST, "2026-04-03T15:00"),
    ("Good Friday 2026", "2026-04-03T10:00", TRUST, "2026-04-08T00:00"),
    ("Easter Monday 2026", "2026-04-06T23:30", TRUST, "2026-04-08T00:00"),
    # Easter 2027: Good Friday 26 March; the clocks go forward on Easter Sunday 28 March.
    (
        "Good Friday 2027 (GMT) to BST",
        "2027-03-26T10:00",
        TRUST,
        "2027-03-31T00:00",
    ),
    ("Easter Sunday 2027 after the change", "2027-03-28T03:00", TRUST, "2027-03-31T00:00"),
    # DST 2026: forward Sun 29 March 01:00 GMT, back Sun 25 October 02:00 BST.
    ("Saturday before spring forward", "2026-03-28T12:00", TRUST, "2026-03-31T00:00"),
    ("Saturday before fall back", "2026-10-24T12:00", TRUST, "2026-10-27T00:00"),
    ("Sunday in the repeated hour (first pass)", "2026-10-25T01:30", TRUST, "2026-10-27T00:00"),
]


@pytest.mark.parametrize(
    ("why", "received", "calendar", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_exact_due_times(why: str, received: str, calendar: WorkingCalendar, expected: str) -> None:
    due = due_at(ldn(received), calendar)
    assert due == ldn(expected), why
    assert due.tzinfo is LONDON


def test_repeated_hour_second_pass_is_the_same_day() -> None:
    first, second = ldn("2026-10-25T01:30", fold=0), ldn("2026-10-25T01:30", fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == dt.timedelta(hours=1)
    assert due_at(first) == due_at(second) == ldn("2026-10-27T00:00")


def test_elapsed_hours_across_spring_forward() -> None:
    """48 elapsed hours from Friday noon GMT end at Sunday 13:00 BST, not 12:00."""
    long_clock = WorkingCalendar(response_hours=48)
    due = due_at(ldn("2026-03-27T12:00"), long_clock)
    assert due == ldn("2026-03-29T13:00")
    # Same-zone subtraction in Python is wall-clock; compare instants in UTC.
    assert due.astimezone(UTC) - ldn("2026-03-27T12:00").astimezone(UTC) == dt.timedelta(hours=48)


def test_elapsed_hours_across_fall_back() -> None:
    long_clock = WorkingCalendar(response_hours=48)
    assert due_at(ldn("2026-10-23T12:00"), long_clock) == ldn("2026-10-25T11:00")


def test_result_keeps_the_callers_zone() -> None:
    received = dt.datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert due_at(received) == dt.datetime(2026, 12, 1, tzinfo=UTC)
    assert due_at(received).tzinfo is UTC
    new_york = ZoneInfo("America/New_York")
    local = received.astimezone(new_york)
    assert due_at(local).tzinfo is new_york
    assert due_at(local) == due_at(received)


def test_local_date_decides_not_utc_date() -> None:
    """23:30 UTC on Friday 2026-06-05 is 00:30 BST on Saturday: a weekend receipt."""
    received = dt.datetime(2026, 6, 5, 23, 30, tzinfo=UTC)
    assert due_at(received) == ldn("2026-06-09T00:00")


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        due_at(dt.datetime(2026, 11, 28, 10))
    with pytest.raises(ValueError, match="no time zone"):
        due_at_many(pd.DatetimeIndex([dt.datetime(2026, 11, 28, 10)]))


def test_calendar_from_registry(registry: Registry) -> None:
    trust = WorkingCalendar.from_registry(registry)
    oakfield = WorkingCalendar.from_registry(registry, "oakfield")
    assert trust.closures == frozenset()
    assert oakfield.closures == frozenset({dt.date(2026, 11, 23)})
    assert oakfield.timezone == "Europe/London" and oakfield.subdivision == "ENG"
    assert oakfield.roll_forward_non_working_due is False
    assert not oakfield.is_working_day(dt.date(2026, 11, 23))
    assert trust.is_working_day(dt.date(2026, 11, 23))
    with pytest.raises(ValueError, match="no school with key 'nowhere'"):
        WorkingCalendar.from_registry(registry, "nowhere")


def test_roll_forward_option_read_from_registry(registry: Registry) -> None:
    rolled = registry.model_copy(
        update={"trust": registry.trust.model_copy(update={"roll_forward_non_working_due": True})}
    )
    calendar = WorkingCalendar.from_registry(rolled, "oakfield")
    assert due_at(ldn("2026-11-27T10:00"), calendar) == ldn("2026-12-01T00:00")


def test_default_calendar_uses_england_not_scotland() -> None:
    """2 January is a bank holiday in Scotland only."""
    assert TRUST.is_working_day(dt.date(2026, 1, 2))
    scotland = WorkingCalendar(subdivision="SCT")
    assert not scotland.is_working_day(dt.date(2026, 1, 2))


# --- statuses -----------------------------------------------------------------------------

DUE = dt.datetime(2026, 11, 26, 10, tzinfo=UTC)
STATUS_CASES = [
    ("answered early", DUE - dt.timedelta(hours=20), DUE, SlaStatus.MET),
    ("answered exactly on time", DUE, DUE, SlaStatus.MET),
    ("answered a second late", DUE + dt.timedelta(seconds=1), DUE, SlaStatus.BREACHED),
    ("unanswered, 5 h left", None, DUE - dt.timedelta(hours=5), SlaStatus.OPEN),
    ("unanswered, exactly 4 h left", None, DUE - dt.timedelta(hours=4), SlaStatus.AT_RISK),
    ("unanswered, 1 min left", None, DUE - dt.timedelta(minutes=1), SlaStatus.AT_RISK),
    ("unanswered at the due time", None, DUE, SlaStatus.OPEN_BREACHED),
    ("unanswered after", None, DUE + dt.timedelta(days=3), SlaStatus.OPEN_BREACHED),
]


@pytest.mark.parametrize(
    ("why", "responded", "now", "expected"), STATUS_CASES, ids=[c[0] for c in STATUS_CASES]
)
def test_statuses(
    why: str, responded: dt.datetime | None, now: dt.datetime, expected: SlaStatus
) -> None:
    assert status_at(DUE, responded, now, lead_hours=4) is expected, why
    vector = statuses_many(
        pd.DatetimeIndex([DUE]), pd.DatetimeIndex([responded], tz=UTC), now, lead_hours=4
    )
    assert vector.tolist() == [expected.value], why


def test_lead_time_is_configurable() -> None:
    now = DUE - dt.timedelta(hours=6)
    assert status_at(DUE, None, now, lead_hours=4) is SlaStatus.OPEN
    assert status_at(DUE, None, now, lead_hours=8) is SlaStatus.AT_RISK


# --- properties ---------------------------------------------------------------------------

ZONES = st.sampled_from([UTC, LONDON, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")])


def instants(lo: dt.datetime, hi: dt.datetime) -> st.SearchStrategy[dt.datetime]:
    return st.datetimes(min_value=lo, max_value=hi, timezones=ZONES, allow_imaginary=False)


ANY_TIME = instants(dt.datetime(2025, 1, 1), dt.datetime(2028, 12, 31))
CALENDARS = st.sampled_from([TRUST, ROLL, INSET, WorkingCalendar(response_hours=36)])
HOLIDAY_WINDOWS = st.sampled_from(
    [
        (dt.datetime(2026, 12, 20), dt.datetime(2027, 1, 4)),  # Christmas 2026
        (dt.datetime(2027, 12, 20), dt.datetime(2028, 1, 4)),  # Christmas 2027
        (dt.datetime(2026, 3, 30), dt.datetime(2026, 4, 8)),  # Easter 2026
        (dt.datetime(2027, 3, 23), dt.datetime(2027, 4, 1)),  # Easter 2027
        (dt.datetime(2026, 3, 26), dt.datetime(2026, 4, 1)),  # spring forward 2026
        (dt.datetime(2026, 10, 22), dt.datetime(2026, 10, 28)),  # fall back 2026
        (dt.datetime(2027, 3, 25), dt.datetime(2027, 3, 31)),  # spring forward 2027
        (dt.datetime(2027, 10, 28), dt.datetime(2027, 11, 3)),  # fall back 2027
    ]
)


def _closing_day(due: dt.datetime, calendar: WorkingCalendar) -> dt.date:
    local = due.astimezone(calendar.tz)
    assert local.time() == dt.time(0, 0), f"{due} is not local midnight"
    return local.date() - dt.timedelta(days=1)


def assert_rule(received: dt.datetime, calendar: WorkingCalendar) -> None:
    due = due_at(received, calendar)
    assert due > received
    assert due.tzinfo is received.tzinfo
    day = received.astimezone(calendar.tz).date()
    if calendar.is_working_day(day):
        elapsed = due.astimezone(UTC) - received.astimezone(UTC)
        if not calendar.roll_forward_non_working_due:
            assert elapsed == dt.timedelta(hours=calendar.response_hours)
        else:
            assert elapsed >= dt.timedelta(hours=calendar.response_hours)
            if elapsed > dt.timedelta(hours=calendar.response_hours):
                assert calendar.is_working_day(_closing_day(due, calendar))
    else:
        # Non-working receipt: the end of the first working day after it, nothing in between.
        closing = _closing_day(due, calendar)
        assert calendar.is_working_day(closing)
        between = day + dt.timedelta(days=1)
        while between < closing:
            assert not calendar.is_working_day(between)
            between += dt.timedelta(days=1)


@settings(max_examples=400, deadline=None)
@given(received=ANY_TIME, calendar=CALENDARS)
def test_rule_holds_for_any_instant(received: dt.datetime, calendar: WorkingCalendar) -> None:
    assert_rule(received, calendar)


@settings(max_examples=400, deadline=None)
@given(data=st.data(), calendar=CALENDARS)
def test_rule_holds_around_holidays_and_dst(data: st.DataObject, calendar: WorkingCalendar) -> None:
    lo, hi = data.draw(HOLIDAY_WINDOWS)
    received = data.draw(instants(lo, hi))
    assert_rule(received, calendar)
    day = received.astimezone(LONDON).date()
    if not calendar.is_working_day(day):
        assert due_at(received, calendar).astimezone(LONDON).time() == dt.time(0, 0)


@settings(max_examples=60, deadline=None)
@given(batch=st.lists(ANY_TIME, min_size=1, max_size=60), calendar=CALENDARS)
def test_vectorised_equals_scalar(batch: list[dt.datetime], calendar: WorkingCalendar) -> None:
    expected = [due_at(r, calendar) for r in batch]
    got = due_at_many(pd.DatetimeIndex([r.astimezone(UTC) for r in batch]), calendar)
    assert [g.to_pydatetime() for g in got] == expected
    as_numpy = np.array([r.astimezone(UTC).replace(tzinfo=None) for r in batch], "datetime64[us]")
    assert due_at_many(as_numpy, calendar).equals(got)


@settings(max_examples=60, deadline=None)
@given(
    batch=st.lists(
        st.tuples(ANY_TIME, st.one_of(st.none(), st.integers(0, 5 * 86_400))),
        min_size=1,
        max_size=40,
    ),
    now=ANY_TIME,
    lead=st.floats(0.5, 24),
)
def test_vectorised_statuses_equal_scalar(
    batch: list[tuple[dt.datetime, int | None]], now: dt.datetime, lead: float
) -> None:
    received = [r for r, _ in batch]
    responded = [None if s is None else r + dt.timedelta(seconds=s) for r, s in batch]
    dues = [due_at(r) for r in received]
    expected = [
        status_at(d, x, now, lead_hours=lead).value for d, x in zip(dues, responded, strict=True)
    ]
    got = statuses_many(
        due_at_many(pd.DatetimeIndex([r.astimezone(UTC) for r in received])),
        pd.DatetimeIndex([None if x is None else x.astimezone(UTC) for x in responded], tz=UTC),
        now,
        lead_hours=lead,
    )
    assert got.tolist() == expected


@settings(max_examples=40, deadline=None)
@given(batch=st.lists(ANY_TIME, min_size=1, max_size=40), calendar=CALENDARS)
def test_recomputation_is_idempotent(batch: list[dt.datetime], calendar: WorkingCalendar) -> None:
    index = pd.DatetimeIndex([r.astimezone(UTC) for r in batch])
    first = due_at_many(index, calendar)
    assert due_at_many(index, calendar).equals(first)
    assert [due_at(r, calendar) for r in batch] == [due_at(r, calendar) for r in batch]


def test_vectorised_keeps_input_order_and_handles_empty() -> None:
    received = pd.DatetimeIndex(
        [ldn("2026-11-28T10:00"), ldn("2026-11-25T10:00"), ldn("2026-12-25T09:00")]
    ).tz_convert(UTC)
    got = due_at_many(received)
    assert [g.to_pydatetime() for g in got] == [
        ldn("2026-12-01T00:00"),
        ldn("2026-11-26T10:00"),
        ldn("2026-12-30T00:00"),
    ]
    assert len(due_at_many(pd.DatetimeIndex([], tz=UTC))) == 0
    with pytest.raises(ValueError, match="missing"):
        due_at_many(pd.DatetimeIndex([ldn("2026-11-28T10:00"), None]))
