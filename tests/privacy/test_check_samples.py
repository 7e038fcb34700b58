"""Data-check samples (failing values kept for diagnosis) can be posts: they are purged."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.privacy.conftest import NOW, Populated, ago
from tests.privacy.snapshot import contains
from tests.privacy.test_erasure import erase_child
from trustwatch.db.engine import session_scope
from trustwatch.db.models import ValidationResult
from trustwatch.personal_data.retention import enforce
from trustwatch.registry import Registry

CHILD_POST = "@OakfieldPrimary someone keeps calling me names"


def add_result(populated: Populated, suite: str, run_at: dt.datetime, sample: list[str]) -> None:
    with session_scope(populated.engine) as s:
        s.add(
            ValidationResult(
                suite_name=suite,
                target="items",
                data_interval_start=run_at - dt.timedelta(hours=1),
                data_interval_end=run_at,
                success=False,
                evaluated=3,
                failed=1,
                rows_checked=10,
                rows_failed=len(sample),
                failures=[
                    {
                        "check": "text_length",
                        "reason": "too long",
                        "unexpected_count": 2,
                        "sample": sample,
                    }
                ],
                result_hash=suite,
                run_at=run_at,
            )
        )


def samples(populated: Populated) -> dict[str, list[str]]:
    with session_scope(populated.engine) as s:
        rows = s.scalars(select(ValidationResult)).all()
        return {r.suite_name: r.failures[0]["sample"] for r in rows}


def test_retention_drops_samples_on_the_raw_clock(populated: Populated, registry: Registry) -> None:
    add_result(populated, "old", ago(40), [CHILD_POST, "another post"])
    add_result(populated, "new", ago(1), ["recent post"])
    with session_scope(populated.engine) as s:
        summary = enforce(s, registry, now=NOW)
    assert summary.check_samples_purged == 1
    assert samples(populated) == {"old": [], "new": ["recent post"]}
    with session_scope(populated.engine) as s:
        assert enforce(s, registry, now=NOW).check_samples_purged == 0  # idempotent


def test_erasure_drops_samples_that_are_their_posts_or_name_them(populated: Populated) -> None:
    add_result(populated, "new", ago(1), [CHILD_POST, "hi @LilyB_2014", "unrelated post"])
    summary = erase_child(populated)
    assert summary.check_samples_dropped == 1
    assert samples(populated) == {"new": ["unrelated post"]}
    assert contains(populated.engine, "calling me names") == []
