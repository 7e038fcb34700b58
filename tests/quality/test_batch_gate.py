"""The pre-load gate catches each kind of bad record, lets the rest through, and only
refuses a whole batch when its shape is wrong."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from trustwatch.domain import CanonicalItem
from trustwatch.quality.batch import (
    MAX_TEXT_CHARS,
    batch_checks,
    gate_batch,
    items_frame,
)
from trustwatch.quality.runner import run_suite
from trustwatch.registry import Registry

NOW = dt.datetime(2026, 11, 9, 12, 0, tzinfo=dt.UTC)
OAKFIELD_X = "1500000000000000001"


def item(external_id: str = "1", **changes: object) -> CanonicalItem:
    fields: dict[str, object] = {
        "platform": "x",
        "external_id": external_id,
        "kind": "mention",
        "stream": "x.mentions",
        "account_platform_id": OAKFIELD_X,
        "text": "Lovely nativity play today",
        "created_at": NOW - dt.timedelta(hours=1),
    }
    fields.update(changes)
    return CanonicalItem(**fields)


def rejected_ids(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.item.external_id: r.check for r in result.rejected}


def test_clean_batch_passes_whole(registry: Registry) -> None:
    batch = [item("1"), item("2", account_platform_id=None), item("3", text="")]
    result = gate_batch(batch, registry, platform="x", now=NOW)
    assert [i.external_id for i in result.accepted] == ["1", "2", "3"]
    assert result.rejected == ()
    assert result.outcome.success and result.outcome.rows_checked == 3


@pytest.mark.parametrize(
    ("bad", "check"),
    [
        (item("9", created_at=NOW + dt.timedelta(hours=3)), "created_at_not_future"),
        (item("9", account_platform_id="999"), "account_in_registry"),
        (item("9", platform="reddit", account_platform_id=None), "platform_in_registry"),
        (item("9", text="x" * (MAX_TEXT_CHARS + 1)), "text_length"),
    ],
    ids=["future", "unknown-account", "wrong-platform", "too-long"],
)
def test_each_bad_record_is_rejected_with_its_reason(
    registry: Registry, bad: CanonicalItem, check: str
) -> None:
    result = gate_batch([item("1"), bad, item("2")], registry, platform="x", now=NOW)
    assert [i.external_id for i in result.accepted] == ["1", "2"]
    assert rejected_ids(result) == {"9": check}
    assert result.rejected[0].reason
    assert not result.outcome.success and result.outcome.rows_failed == 1


def test_small_clock_skew_is_tolerated(registry: Registry) -> None:
    result = gate_batch(
        [item("1", created_at=NOW + dt.timedelta(minutes=2))], registry, platform="x", now=NOW
    )
    assert result.rejected == ()


def test_identical_redeliveries_collapse_but_conflicting_duplicates_are_rejected(
    registry: Registry,
) -> None:
    batch = [item("1"), item("1"), item("2", text="first"), item("2", text="edited")]
    result = gate_batch(batch, registry, platform="x", now=NOW)
    assert [i.external_id for i in result.accepted] == ["1"]
    assert [r.item.external_id for r in result.rejected] == ["2", "2"]
    assert {r.check for r in result.rejected} == {"natural_key_unique"}


def test_a_record_breaking_two_checks_names_both(registry: Registry) -> None:
    bad = item("9", account_platform_id="999", created_at=NOW + dt.timedelta(days=1))
    result = gate_batch([bad], registry, platform="x", now=NOW)
    assert set(result.rejected[0].check.split(",")) == {
        "created_at_not_future",
        "account_in_registry",
    }


def test_null_keys_are_caught(registry: Registry) -> None:
    frame = items_frame([item("1"), item("2")])
    frame.loc[1, "external_id"] = None
    frame.loc[0, "created_at"] = pd.NaT
    outcome = run_suite("items_batch", frame, batch_checks(registry, "x", NOW))
    assert outcome.reasons_by_row().keys() == {0, 1}
    assert {f.check for f in outcome.failures} == {"external_id_not_null", "created_at_not_null"}


def test_wrong_shape_refuses_the_whole_batch(registry: Registry) -> None:
    frame = items_frame([item("1")]).drop(columns=["text"])
    outcome = run_suite("items_batch", frame, batch_checks(registry, "x", NOW)[:1])
    assert [f.check for f in outcome.table_level_failures] == ["schema"]
