"""Post-load checks: the warehouse tables agree with each other and with the registry.

Run after every load by the checks task; any breach fails that task (and is stored in
`validation_results` first, so data staff see what broke). Each table is read into a
frame with one portable query (SQLite and PostgreSQL alike) whose joins turn referential
integrity into plain boolean columns that a suite can expect to be true.

**What a run reads.** The hourly run checks only the rows loaded or changed in its window
(`Scope.changed`): items and scores stamped since the last check (`updated_at`,
`classified_at`, indexed), clocks and alerts the SLA job and alert refresh wrote as of the
last check's `now` or later (`computed_at`, `updated_at`). The joins still look up the
rows these point at, so a new score pointing at a missing item fails as before. The daily
run (`Scope.full`, the warehouse_checks_daily DAG) checks every row for drift, one slice
of keys at a time so memory stays bounded; uniqueness across slices is the tables' own
unique constraints' job, the suites check it within what they read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from trustwatch.db.models import UtcDateTime
from trustwatch.quality.runner import ROW, Check, SuiteOutcome, merge_outcomes, run_suite
from trustwatch.registry import Platform, Registry, Severity

FULL_SLICE = 200_000  # keys per slice of a full run


@dataclass(frozen=True)
class Scope:
    """Which rows a run reads: those changed since two marks, or (both None) every row.

    `changed_since` is compared with the loaders' wall-clock stamps (items, scores);
    `as_of` with the data-time stamps the SLA job and alert refresh write (their `now`).
    """

    changed_since: dt.datetime | None = None
    as_of: dt.datetime | None = None
    inclusive: bool = False

    @classmethod
    def changed(cls, changed_since: dt.datetime, as_of: dt.datetime, *, rerun: bool) -> Scope:
        return cls(changed_since=changed_since, as_of=as_of, inclusive=rerun)

    @classmethod
    def full(cls) -> Scope:
        return cls()

    @property
    def is_full(self) -> bool:
        return self.changed_since is None


def _frame(session: Session, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run one frame query; time parameters bind as the columns store them.

    Typed binds matter on SQLite, which keeps times as text: the driver's own adapter drops
    zero microseconds ("11:00:00" < "11:00:00.000000"), so a raw datetime would select
    every row stamped at exactly the mark.
    """
    params = params or {}
    statement = text(sql).bindparams(
        *(
            bindparam(k, type_=UtcDateTime())
            for k, v in params.items()
            if isinstance(v, dt.datetime)
        )
    )
    result = session.execute(statement, params)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return frame.rename(columns={"row_key": ROW})


def _flag(frame: pd.DataFrame, name: str, mask: pd.Series) -> None:
    frame[name] = mask.fillna(False).astype(bool)


# --- items -------------------------------------------------------------------------------

_ITEMS_SQL = """
select i.item_id as row_key, i.platform, i.external_id, i.account_id, i.school_id,
       a.account_id as joined_account, a.platform as account_platform,
       a.school_id as account_school_id, s.school_id as joined_school
from items i
left join accounts a on a.account_id = i.account_id
left join schools s on s.school_id = i.school_id
where {where}
"""


def _items_frame(session: Session, where: str, params: dict[str, Any]) -> pd.DataFrame:
    frame = _frame(session, _ITEMS_SQL.format(where=where), params)
    _flag(
        frame,
        "account_ok",
        frame["account_id"].isna()
        | (
            frame["joined_account"].notna()
            & (frame["account_platform"] == frame["platform"])
            & (frame["account_school_id"] == frame["school_id"])
        ),
    )
    _flag(frame, "school_ok", frame["school_id"].isna() | frame["joined_school"].notna())
    return frame[[ROW, "platform", "external_id", "account_ok", "school_ok"]]


def _items_checks(registry: Registry) -> list[Check]:
    import great_expectations as gx

    return [
        Check(
            "items_key_unique",
            "two items share (platform, external_id)",
            gx.expectations.ExpectCompoundColumnsToBeUnique(
                column_list=["platform", "external_id"]
            ),
        ),
        Check(
            "items_platform_known",
            "an item's platform is not one trustwatch watches",
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="platform", value_set=[p.value for p in Platform]
            ),
        ),
        Check(
            "items_account_consistent",
            "an item points at a missing account, or at an account of another platform or school",
            gx.expectations.ExpectColumnValuesToBeInSet(column="account_ok", value_set=[True]),
        ),
        Check(
            "items_school_exists",
            "an item points at a school that is not in the warehouse",
            gx.expectations.ExpectColumnValuesToBeInSet(column="school_ok", value_set=[True]),
        ),
    ]


# --- classifications ---------------------------------------------------------------------

_CLASSIFICATIONS_SQL = """
select c.classification_id as row_key, c.item_id, c.label, c.score, c.model_version,
       i.item_id as joined_item
from classifications c
left join items i on i.item_id = c.item_id
where {where}
"""


def _classifications_frame(session: Session, where: str, params: dict[str, Any]) -> pd.DataFrame:
    frame = _frame(session, _CLASSIFICATIONS_SQL.format(where=where), params)
    _flag(frame, "item_ok", frame["joined_item"].notna())
    frame["score"] = frame["score"].astype(float)
    return frame[[ROW, "item_id", "label", "score", "model_version", "item_ok"]]


def _classifications_checks(registry: Registry) -> list[Check]:
    import great_expectations as gx

    return [
        Check(
            "scores_in_unit_interval",
            "a classifier score is outside [0, 1]",
            gx.expectations.ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=1),
        ),
        Check(
            "scores_not_null",
            "a classifier score is missing",
            gx.expectations.ExpectColumnValuesToNotBeNull(column="score"),
        ),
        Check(
            "labels_known",
            "a classification has a label the registry does not know",
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="label", value_set=sorted(registry.alerting.labels)
            ),
        ),
        Check(
            "classification_item_exists",
            "a classification points at an item that is not in the warehouse",
            gx.expectations.ExpectColumnValuesToBeInSet(column="item_ok", value_set=[True]),
        ),
        Check(
            "classification_key_unique",
            "an item has two scores for one label and model version",
            gx.expectations.ExpectCompoundColumnsToBeUnique(
                column_list=["item_id", "label", "model_version"]
            ),
        ),
    ]


# --- response SLA ------------------------------------------------------------------------

_SLA_SQL = """
select r.item_id as row_key, r.item_id, r.clock_item_id, r.status, r.received_at, r.due_at,
       i.item_id as joined_item, i.is_from_school, c.item_id as clock_row,
       a.account_id as joined_account
from response_sla r
left join items i on i.item_id = r.item_id
left join response_sla c on c.item_id = r.clock_item_id
left join accounts a on a.account_id = r.account_id
where {where}
"""


def _sla_frame(session: Session, where: str, params: dict[str, Any]) -> pd.DataFrame:
    frame = _frame(session, _SLA_SQL.format(where=where), params)
    _flag(frame, "item_ok", frame["joined_item"].notna() & ~frame["is_from_school"].astype(bool))
    _flag(frame, "clock_ok", frame["clock_row"].notna())
    _flag(frame, "account_ok", frame["joined_account"].notna())
    received = pd.to_datetime(frame["received_at"], utc=True)
    due = pd.to_datetime(frame["due_at"], utc=True)
    _flag(frame, "due_after_received", due > received)
    return frame[
        [ROW, "item_id", "status", "item_ok", "clock_ok", "account_ok", "due_after_received"]
    ]


def _sla_checks(registry: Registry) -> list[Check]:
    import great_expectations as gx

    from trustwatch.sla.rule import SlaStatus

    return [
        Check(
            "sla_one_row_per_item",
            "an item has more than one SLA row",
            gx.expectations.ExpectColumnValuesToBeUnique(column="item_id"),
        ),
        Check(
            "sla_item_needs_response",
            "an SLA row points at a missing item or at the school's own post",
            gx.expectations.ExpectColumnValuesToBeInSet(column="item_ok", value_set=[True]),
        ),
        Check(
            "sla_clock_has_row",
            "an SLA row's clock item has no SLA row of its own",
            gx.expectations.ExpectColumnValuesToBeInSet(column="clock_ok", value_set=[True]),
        ),
        Check(
            "sla_account_exists",
            "an SLA row points at an account that is not in the warehouse",
            gx.expectations.ExpectColumnValuesToBeInSet(column="account_ok", value_set=[True]),
        ),
        Check(
            "sla_due_after_received",
            "an SLA row is due before the item was received",
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="due_after_received", value_set=[True]
            ),
        ),
        Check(
            "sla_status_known",
            "an SLA row has an unknown status",
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="status", value_set=[s.value for s in SlaStatus]
            ),
        ),
    ]


# --- alerts ------------------------------------------------------------------------------

_ALERTS_SQL = """
select al.alert_id as row_key, al.dedupe_key, al.severity, al.score, i.item_id as joined_item
from alerts al
left join items i on i.item_id = al.item_id
where {where}
"""


def _alerts_frame(session: Session, where: str, params: dict[str, Any]) -> pd.DataFrame:
    frame = _frame(session, _ALERTS_SQL.format(where=where), params)
    _flag(frame, "item_ok", frame["joined_item"].notna())
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    return frame[[ROW, "dedupe_key", "severity", "score", "item_ok"]]


def _alerts_checks(registry: Registry) -> list[Check]:
    import great_expectations as gx

    return [
        Check(
            "alert_dedupe_key_unique",
            "two alerts share a dedupe key",
            gx.expectations.ExpectColumnValuesToBeUnique(column="dedupe_key"),
        ),
        Check(
            "alert_severity_known",
            "an alert has an unknown severity",
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="severity", value_set=[s.value for s in Severity]
            ),
        ),
        Check(
            "alert_score_in_unit_interval",
            "an alert's score is outside [0, 1]",
            gx.expectations.ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=1),
        ),
        Check(
            "alert_item_exists",
            "an alert points at an item that is not in the warehouse",
            gx.expectations.ExpectColumnValuesToBeInSet(column="item_ok", value_set=[True]),
        ),
    ]


@dataclass(frozen=True)
class WarehouseSuite:
    """One table's suite: its frame query, its checks, its key and its change stamp."""

    name: str
    frame: Callable[[Session, str, dict[str, Any]], pd.DataFrame]
    checks: Callable[[Registry], list[Check]]
    key: str  # the row key column, for the slices of a full run
    stamp: str  # the change stamp column, for the window of an hourly run
    data_time: bool  # stamped with a job's `now` (as_of) rather than the wall clock


SUITES: tuple[WarehouseSuite, ...] = (
    WarehouseSuite(
        "warehouse_items", _items_frame, _items_checks, "i.item_id", "i.updated_at", False
    ),
    WarehouseSuite(
        "warehouse_classifications",
        _classifications_frame,
        _classifications_checks,
        "c.classification_id",
        "c.classified_at",
        False,
    ),
    WarehouseSuite(
        "warehouse_response_sla", _sla_frame, _sla_checks, "r.item_id", "r.computed_at", True
    ),
    WarehouseSuite(
        "warehouse_alerts", _alerts_frame, _alerts_checks, "al.alert_id", "al.updated_at", True
    ),
)


def _slices(session: Session, suite: WarehouseSuite) -> Iterator[tuple[str, dict[str, Any]]]:
    table = {"i": "items", "c": "classifications", "r": "response_sla", "al": "alerts"}
    alias, column = suite.key.split(".")
    top = session.execute(text(f"select max({column}) from {table[alias]}")).scalar() or 0
    for low in range(0, int(top) + 1, FULL_SLICE):
        yield (
            f"{suite.key} >= :low and {suite.key} < :high",
            {"low": low, "high": low + FULL_SLICE},
        )


def check_suite(
    session: Session, registry: Registry, suite: WarehouseSuite, scope: Scope
) -> SuiteOutcome:
    """One suite over the scope's rows: the window's rows, or every row slice by slice."""
    checks = suite.checks(registry)
    if scope.is_full:
        pages = [
            run_suite(suite.name, suite.frame(session, where, params), checks)
            for where, params in _slices(session, suite)
        ]
        return merge_outcomes(suite.name, pages) if len(pages) != 1 else pages[0]
    mark = scope.as_of if suite.data_time else scope.changed_since
    assert mark is not None
    # Data-time stamps equal to the last run's `now` were checked by it, unless this run is
    # a rerun of that same instant (`inclusive`).
    op = ">=" if suite.data_time and scope.inclusive else ">"
    where = f"{suite.stamp} {op} :mark"
    frame = suite.frame(session, where, {"mark": mark})
    return run_suite(suite.name, frame, checks)


def check_warehouse(
    session: Session, registry: Registry, scope: Scope | None = None
) -> list[SuiteOutcome]:
    """Run every warehouse suite on the scope (default: every row); the caller records the
    outcomes and decides to fail."""
    scope = scope or Scope.full()
    return [check_suite(session, registry, s, scope) for s in SUITES]
