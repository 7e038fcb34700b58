"""The pre-load gate: check one ingested batch before it reaches the warehouse.

Every record is checked against the registry and the clock. A record that breaks a
check is set aside with the reason (for the quarantine table) and the rest of the batch
loads; only a broken batch shape (missing columns) stops the load, because then no
record can be trusted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from trustwatch.domain import CanonicalItem
from trustwatch.quality.runner import ROW, Check, SuiteOutcome, run_suite
from trustwatch.registry import Registry

SUITE = "items_batch"
# Longest text any watched platform allows (a Facebook post, 63,206 characters) plus room.
MAX_TEXT_CHARS = 70_000
# Platform clocks and ours disagree by seconds; beyond this a timestamp is wrong.
CLOCK_SKEW = dt.timedelta(minutes=5)

COLUMNS = (
    ROW,
    "platform",
    "external_id",
    "kind",
    "stream",
    "account_ref",
    "created_at",
    "text",
)


class BatchShapeError(RuntimeError):
    """The batch itself is malformed: nothing in it can be loaded safely."""


@dataclass(frozen=True)
class Rejection:
    item: CanonicalItem
    check: str
    reason: str


@dataclass(frozen=True)
class GateResult:
    accepted: tuple[CanonicalItem, ...]
    rejected: tuple[Rejection, ...]
    outcome: SuiteOutcome


def items_frame(items: Sequence[CanonicalItem]) -> pd.DataFrame:
    """One row per record, `row` being its position in the batch."""
    records = [
        {
            ROW: position,
            "platform": item.platform.value,
            "external_id": item.external_id,
            "kind": item.kind.value,
            "stream": item.stream,
            "account_ref": (
                f"{item.platform.value}:{item.account_platform_id}"
                if item.account_platform_id
                else None
            ),
            "created_at": item.created_at,
            "text": item.text,
        }
        for position, item in enumerate(items)
    ]
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def registry_accounts(registry: Registry) -> list[str]:
    return sorted(f"{a.platform.value}:{a.account_id}" for _, a in registry.accounts())


def batch_checks(registry: Registry, platform: str, now: dt.datetime) -> list[Check]:
    import great_expectations as gx

    latest = (now + CLOCK_SKEW).astimezone(dt.UTC)
    return [
        Check(
            "schema",
            f"the batch does not have exactly the columns {', '.join(COLUMNS)}",
            gx.expectations.ExpectTableColumnsToMatchSet(
                column_set=list(COLUMNS), exact_match=True
            ),
        ),
        Check(
            "external_id_not_null",
            "the record has no external id, so it cannot be keyed or deduplicated",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="external_id"),
        ),
        Check(
            "created_at_not_null",
            "the record has no creation time, so no response clock can start",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="created_at"),
        ),
        Check(
            "created_at_not_future",
            f"created_at is more than {int(CLOCK_SKEW.total_seconds() // 60)} minutes after "
            f"the run's clock ({latest:%Y-%m-%d %H:%M} UTC): the timestamp is wrong",
            gx.expectations.ExpectColumnValuesToBeBetween(column="created_at", max_value=latest),
        ),
        Check(
            "platform_in_registry",
            f"the record's platform is not {platform}, the platform this batch was fetched for",
            gx.expectations.ExpectColumnValuesToBeInSet(column="platform", value_set=[platform]),
        ),
        Check(
            "account_in_registry",
            "the record names a school account that is not in the trust registry",
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="account_ref", value_set=registry_accounts(registry)
            ),
        ),
        Check(
            "natural_key_unique",
            "two records in the batch share (platform, external_id) but differ in content",
            gx.expectations.ExpectCompoundColumnsToBeUnique(
                column_list=["platform", "external_id"]
            ),
        ),
        Check(
            "text_length",
            f"the text is longer than {MAX_TEXT_CHARS} characters, more than any platform allows",
            gx.expectations.ExpectColumnValueLengthsToBeBetween(
                column="text", min_value=0, max_value=MAX_TEXT_CHARS
            ),
        ),
    ]


def _collapse_repeats(items: Sequence[CanonicalItem]) -> list[CanonicalItem]:
    """Identical re-deliveries (overlapping pages) are expected at least once; keep one."""
    seen: set[tuple[str, str, str]] = set()
    out: list[CanonicalItem] = []
    for item in items:
        key = (item.platform.value, item.external_id, item.content_hash())
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def gate_batch(
    items: Sequence[CanonicalItem], registry: Registry, *, platform: str, now: dt.datetime
) -> GateResult:
    """Split a batch into records that may load and records to quarantine (with reasons).

    Raises BatchShapeError when a table-level check fails.
    """
    batch = _collapse_repeats(items)
    outcome = run_suite(SUITE, items_frame(batch), batch_checks(registry, platform, now))
    if outcome.table_level_failures:
        reasons = "; ".join(f.reason for f in outcome.table_level_failures)
        raise BatchShapeError(f"{platform} batch rejected as a whole: {reasons}")
    bad = outcome.reasons_by_row()
    accepted = tuple(item for row, item in enumerate(batch) if row not in bad)
    rejected = tuple(
        Rejection(
            item=batch[row],
            check=",".join(name for name, _ in reasons),
            reason="; ".join(reason for _, reason in reasons),
        )
        for row, reasons in sorted(bad.items())
    )
    return GateResult(accepted=accepted, rejected=rejected, outcome=outcome)
