"""The demo's simulated clock: bursts of activity covered, quiet months skipped."""

from __future__ import annotations

import datetime as dt
import itertools

from connectors.replay import ReplayCorpus
from trustwatch.pipeline.simulation import active_steps, corpus_moments, with_hourly_window

D = dt.timedelta(days=1)
H = dt.timedelta(hours=1)


def at(day: int, month: int = 11, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def test_steps_cover_each_burst_plus_a_tail_and_skip_the_gap() -> None:
    moments = [at(30, 8, 10), at(31, 8, 9), at(2, 11, 8), at(3, 11, 17)]
    steps = active_steps(moments, step=D, tail=2 * D)
    assert steps == [at(31, 8), at(1, 9), at(2, 9), at(3), at(4), at(5)]


def test_hourly_window_adds_every_hour_once() -> None:
    steps = with_hourly_window([at(17), at(18)], at(17, hour=1), at(18))
    assert steps[0] == at(17) and steps[-1] == at(18)
    assert len(steps) == 25 and len(set(steps)) == 25
    assert all(b - a == H for a, b in itertools.pairwise(steps))


def test_bundled_corpus_moments_span_the_documented_dates() -> None:
    moments = corpus_moments(ReplayCorpus())
    assert moments[0].date() == dt.date(2026, 8, 28)
    assert moments[-1] <= ReplayCorpus().ends_at
    assert sum(1 for m in moments if m.month == 11) > 400
