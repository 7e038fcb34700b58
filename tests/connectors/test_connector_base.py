"""The stream base's parts on their own: paging, backoff, budgets, time parsing."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from connectors.base import (
    Budget,
    FatalError,
    PaginationLoopError,
    Paginator,
    RetriableError,
    RetriesExhausted,
    RetryPolicy,
    parse_time,
    retry_after_from_headers,
)


def test_paginator_follows_tokens_and_refuses_a_loop() -> None:
    pages = Paginator()
    pages.advance("a")
    pages.advance("b")
    assert pages.token == "b" and pages.has_more
    with pytest.raises(PaginationLoopError, match="twice"):
        pages.advance("a")
    done = Paginator()
    done.advance(None)
    assert not done.has_more


def test_backoff_is_exponential_with_bounded_jitter() -> None:
    policy = RetryPolicy(base_seconds=1, factor=2, jitter=0.5, rng=random.Random(7))
    error = RetriableError("503")
    for attempt, nominal in ((1, 1), (2, 2), (3, 4), (4, 8)):
        wait = policy.wait_seconds(attempt, error)
        assert nominal * 0.5 <= wait <= nominal


def test_a_rate_limit_reset_wins_but_is_capped() -> None:
    policy = RetryPolicy(max_wait_seconds=60)
    assert policy.wait_seconds(1, RetriableError("429", retry_after=42)) == 42
    assert policy.wait_seconds(1, RetriableError("429", retry_after=10_000)) == 60


def test_retries_then_gives_up_without_real_sleeping() -> None:
    slept: list[float] = []
    policy = RetryPolicy(max_tries=3, sleep=slept.append)
    calls = {"n": 0}

    def always_503():
        calls["n"] += 1
        raise RetriableError("HTTP 503")

    with pytest.raises(RetriesExhausted, match="gave up after 3 tries"):
        policy.call(always_503, lambda exc: exc if isinstance(exc, RetriableError) else None)
    assert calls["n"] == 3 and len(slept) == 2


def test_fatal_errors_are_not_retried() -> None:
    policy = RetryPolicy(sleep=lambda s: pytest.fail("slept on a fatal error"))

    def forbidden():
        raise FatalError("HTTP 403")

    with pytest.raises(FatalError):
        policy.call(forbidden, lambda exc: exc if isinstance(exc, FatalError) else None)


def test_budget() -> None:
    budget = Budget(limit=12)
    assert budget.clamp(100) == 12
    budget.take(10)
    assert budget.remaining == 2 and not budget.exhausted
    budget.take(2)
    assert budget.exhausted and budget.clamp(100) == 0
    assert Budget().clamp(100) == 100 and not Budget().exhausted


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-09T09:00:00.000Z",
        "2026-11-09T09:00:00+0000",
        "2026-11-09T10:00:00+01:00",
        1794214800.0,
    ],
)
def test_parse_time_gives_aware_utc(text) -> None:
    assert parse_time(text) == dt.datetime(2026, 11, 9, 9, 0, tzinfo=dt.UTC)


def test_parse_time_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="time zone"):
        parse_time("2026-11-09T09:00:00")


def test_retry_after_headers() -> None:
    now = lambda: 1_000.0  # noqa: E731
    assert retry_after_from_headers({"x-rate-limit-reset": "1030"}, now=now) == 31.0
    assert retry_after_from_headers({"retry-after": "12"}, now=now) == 12.0
    assert retry_after_from_headers({}, now=now) is None
