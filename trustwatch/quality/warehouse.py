"""Post-load checks: the warehouse tables agree with each other and with the registry.

Run after every load by the checks task; any breach fails that task (and is stored in
`validation_results` first, so data staff see what broke). Each table is read into a
frame with one portable query (SQLite and PostgreSQL alike) whose joins turn referential
integrity into plain boolean columns that a suite can expect to be true.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from trustwatch.quality.runner import ROW, Check, SuiteOutcome, run_suite
from trustwatch.registry import Platform, Registry, Severity


def _frame(session: Session, sql: str) -> pd.DataFrame:
    result = session.execute(text(sql))
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
"""


def _items_frame(session: Session) -> pd.DataFrame:
    frame = _frame(session, _ITEMS_SQL)
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
"""


def _classifications_frame(session: Session) -> pd.DataFrame:
    frame = _frame(session, _CLASSIFICATIONS_SQL)
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
"""


def _sla_frame(session: Session) -> pd.DataFrame:
    frame = _frame(session, _SLA_SQL)
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
"""


def _alerts_frame(session: Session) -> pd.DataFrame:
    frame = _frame(session, _ALERTS_SQL)
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
    name: str
    frame: Callable[[Session], pd.DataFrame]
    checks: Callable[[Registry], list[Check]]


SUITES: tuple[WarehouseSuite, ...] = (
    WarehouseSuite("warehouse_items", _items_frame, _items_checks),
    WarehouseSuite("warehouse_classifications", _classifications_frame, _classifications_checks),
    WarehouseSuite("warehouse_response_sla", _sla_frame, _sla_checks),
    WarehouseSuite("warehouse_alerts", _alerts_frame, _alerts_checks),
)


def check_warehouse(session: Session, registry: Registry) -> list[SuiteOutcome]:
    """Run every warehouse suite; the caller records the outcomes and decides to fail."""
    return [run_suite(s.name, s.frame(session), s.checks(registry)) for s in SUITES]
