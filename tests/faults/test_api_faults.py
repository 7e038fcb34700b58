"""API faults at every step of a paged fetch: the run ends clearly, the next catches up.

Every platform x every page of a three-page walk x {429, 500, timeout, truncated JSON} x
{transient (the retry policy absorbs it), persistent (retries run out)}. New posts
arrive between the faulty run and the next one, which must end with every post exactly
once and the same cursor as a clean run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from tests.faults.harness import converged, run_once, state
from tests.faults.platforms import (
    FAULT_KINDS,
    PAGE_SIZE,
    PLATFORMS,
    RUN_AT,
    FaultPlan,
    make_posts,
)
from trustwatch.registry import Registry

NEXT_RUN = RUN_AT + dt.timedelta(hours=1)
PAGES = 3  # 10 posts in pages of 4
EXPECTED_MESSAGE = {
    "http_429": "429",
    "http_500": "500",
    "timeout": "timed out",
    "truncated_json": "malformed JSON",
}


def all_posts():
    return make_posts(10) + make_posts(2, offset=10)


@pytest.fixture
def references(fresh_sqlite: Callable[[str], Engine], registry: Registry):
    """Per platform: the clean state after the first run and after the catch-up run."""
    out = {}
    for platform, cls in PLATFORMS.items():
        engine = fresh_sqlite(f"{platform}-ref")
        fake = cls(make_posts(10))
        assert run_once(engine, registry, fake, now=RUN_AT).ok
        first = state(engine, fake)
        fake.posts = all_posts()
        assert run_once(engine, registry, fake, now=NEXT_RUN).ok
        out[platform] = (first, state(engine, fake))
    return out


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_fault_on_every_page(
    platform: str,
    kind: str,
    fresh_sqlite: Callable[[str], Engine],
    registry: Registry,
    references,
) -> None:
    ref_first, ref_final = references[platform]
    for page in range(PAGES):
        for times, persistent in ((2, False), (5, True)):  # retry policy: 3 tries
            name = f"{platform} {kind} page {page} x{times}"
            engine = fresh_sqlite(f"{platform}-{kind}-{page}-{times}")
            fake = PLATFORMS[platform](make_posts(10), FaultPlan({page: (kind, times)}))
            first = run_once(engine, registry, fake, now=RUN_AT)
            after = state(engine, fake)
            if persistent:
                error = first.results[0].error or ""
                assert not first.ok and EXPECTED_MESSAGE[kind] in error, (name, error)
                assert after.last_error == error, name
                assert after.cursor in (None, {}), name  # the cursor did not move
                assert sum(after.ids.values()) == page * PAGE_SIZE, name  # earlier pages kept
            else:
                assert first.ok, (name, first.results[0].error)
                assert after.cursor == ref_first.cursor and set(after.ids) == set(ref_first.ids)
            fake.posts = all_posts()
            fake.plan = FaultPlan()
            assert run_once(engine, registry, fake, now=NEXT_RUN).ok, name
            result = converged(engine, fake, ref_final, name, first)
            assert (result.lost, result.duplicated) == (0, 0), result
            assert result.cursor_consistent and result.error_cleared, result
