"""The manual-mark form's time field, shared by the inbox and the item page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from trustwatch.errors import UserError
from trustwatch.web.api.manual_marks import form_time

LONDON = ZoneInfo("Europe/London")


def test_a_typed_time_is_the_trusts_local_time():
    # 10:30 in July is British Summer Time: 09:30 UTC.
    assert form_time("2026-07-01T10:30", LONDON) == dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)
    assert form_time("2026-01-05T10:30", LONDON) == dt.datetime(2026, 1, 5, 10, 30, tzinfo=dt.UTC)


def test_a_time_with_its_own_offset_keeps_it():
    got = form_time("2026-07-01T10:30+02:00", LONDON)
    assert got == dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)


def test_empty_means_now():
    before = dt.datetime.now(dt.UTC)
    got = form_time("", LONDON)
    assert before <= got <= dt.datetime.now(dt.UTC)


def test_not_a_time_is_a_user_error():
    with pytest.raises(UserError, match="date and time"):
        form_time("yesterday", LONDON)
