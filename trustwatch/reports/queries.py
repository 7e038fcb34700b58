"""Every warehouse read behind the reports and notebooks, in one place.

Each function returns a DataFrame of plain rows (one row per item, SLA row or alert) for
a half-open UTC window, optionally for one school; the figures are computed from these
frames in `trustwatch.reports.metrics`. Keeping SQL here and arithmetic there means a
test can check a figure against an independent query without re-reading template code.
Only inbound items count (not the school's own posts, not deleted ones).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, and_, func, select

from trustwatch.db.models import (
    Account,
    Alert,
    AlertEvent,
    Classification,
    Item,
    ResponseSla,
    School,
)

SAFEGUARDING = "safeguarding"
COMPLAINT = "complaint"


def _frame(conn: Connection, stmt: Select[Any], columns: Sequence[str]) -> pd.DataFrame:
    """Rows through SQLAlchemy (so UTC datetimes come back aware on SQLite too)."""
    rows = conn.execute(stmt).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows], columns=list(columns))
    for column in frame.columns:
        if column.endswith("_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _inbound_items(start: dt.datetime, end: dt.datetime, school_key: str | None) -> Select[Any]:
    stmt = (
        select(
            Item.item_id,
            School.school_key,
            School.name.label("school_name"),
            Item.platform,
            Item.kind,
            Item.account_id,
            Item.created_at,
        )
        .join(School, School.school_id == Item.school_id)
        .where(
            Item.is_from_school.is_(False),
            Item.is_deleted.is_(False),
            Item.created_at >= start,
            Item.created_at < end,
        )
    )
    if school_key is not None:
        stmt = stmt.where(School.school_key == school_key)
    return stmt


def items(
    conn: Connection, start: dt.datetime, end: dt.datetime, school_key: str | None = None
) -> pd.DataFrame:
    """One row per inbound item in the window (attributed to a school)."""
    stmt = _inbound_items(start, end, school_key).order_by(Item.created_at)
    columns = [
        "item_id",
        "school_key",
        "school_name",
        "platform",
        "kind",
        "account_id",
        "created_at",
    ]
    return _frame(conn, stmt, columns)


def _latest_scores() -> Select[Any]:
    """Each item's newest score per label: rescoring with a new model supersedes the old."""
    newest = (
        select(
            Classification.item_id,
            Classification.label,
            func.max(Classification.classified_at).label("classified_at"),
        )
        .group_by(Classification.item_id, Classification.label)
        .subquery("newest")
    )
    return select(Classification).join(
        newest,
        and_(
            newest.c.item_id == Classification.item_id,
            newest.c.label == Classification.label,
            newest.c.classified_at == Classification.classified_at,
        ),
    )


def flagged(
    conn: Connection, start: dt.datetime, end: dt.datetime, school_key: str | None = None
) -> pd.DataFrame:
    """One row per inbound item and label it is flagged for (newest score above threshold)."""
    latest = _latest_scores().where(Classification.is_above_threshold.is_(True)).subquery("latest")
    base = _inbound_items(start, end, school_key).subquery("base")
    stmt = (
        select(
            base.c.item_id, base.c.school_key, base.c.platform, base.c.created_at, latest.c.label
        )
        .join(latest, latest.c.item_id == base.c.item_id)
        .order_by(base.c.item_id, latest.c.label)
    )
    return _frame(conn, stmt, ["item_id", "school_key", "platform", "created_at", "label"])


def scores(
    conn: Connection, start: dt.datetime, end: dt.datetime, school_key: str | None = None
) -> pd.DataFrame:
    """Every inbound item's newest score per label, flagged or not (for threshold review)."""
    latest = _latest_scores().subquery("latest")
    base = _inbound_items(start, end, school_key).subquery("base")
    stmt = select(
        base.c.item_id,
        base.c.school_key,
        base.c.created_at,
        latest.c.label,
        latest.c.score,
        latest.c.is_above_threshold,
        latest.c.model_version,
    ).join(latest, latest.c.item_id == base.c.item_id)
    columns = [
        "item_id",
        "school_key",
        "created_at",
        "label",
        "score",
        "is_above_threshold",
        "model_version",
    ]
    return _frame(conn, stmt, columns)


def sla(
    conn: Connection, start: dt.datetime, end: dt.datetime, school_key: str | None = None
) -> pd.DataFrame:
    """One row per response clock started in the window, with its account.

    A clock is a run of items by one author that one answer closes (`item_id ==
    clock_item_id` marks its first item): the unit the SLA job and the `sla_weekly` mart
    count, so the report and the dashboards agree.
    """
    stmt = (
        select(
            ResponseSla.item_id,
            School.school_key,
            School.name.label("school_name"),
            Account.platform,
            Account.handle,
            ResponseSla.received_at,
            ResponseSla.due_at,
            ResponseSla.responded_at,
            ResponseSla.response_seconds,
            ResponseSla.status,
        )
        .join(School, School.school_id == ResponseSla.school_id)
        .join(Account, Account.account_id == ResponseSla.account_id)
        .where(
            ResponseSla.item_id == ResponseSla.clock_item_id,
            ResponseSla.received_at >= start,
            ResponseSla.received_at < end,
        )
        .order_by(ResponseSla.received_at)
    )
    if school_key is not None:
        stmt = stmt.where(School.school_key == school_key)
    columns = [
        "item_id", "school_key", "school_name", "platform", "handle", "received_at",
        "due_at", "responded_at", "response_seconds", "status",
    ]  # fmt: skip
    return _frame(conn, stmt, columns)


def complaint_texts(
    conn: Connection, start: dt.datetime, end: dt.datetime, school_key: str | None = None
) -> pd.DataFrame:
    """Complaint-flagged items with their text and author pseudonym, for theme clustering.

    An item ever flagged for safeguarding (by any model version) or carrying a
    safeguarding alert is left out, even if a newer score cleared it: its text never
    reaches a report. Items whose text was purged under retention are left out too.
    """
    latest = _latest_scores().where(Classification.is_above_threshold.is_(True)).subquery("latest")
    safeguarding_items = (
        select(Classification.item_id)
        .where(Classification.label == SAFEGUARDING, Classification.is_above_threshold.is_(True))
        .union(select(Alert.item_id).where(Alert.alert_type == SAFEGUARDING))
    )
    complaint_items = select(latest.c.item_id).where(latest.c.label == COMPLAINT)
    stmt = (
        _inbound_items(start, end, school_key)
        .add_columns(Item.author_key, Item.text)
        .where(
            Item.item_id.in_(complaint_items),
            Item.item_id.not_in(safeguarding_items),
            Item.text.is_not(None),
            Item.text != "",
        )
        .order_by(Item.item_id)
    )
    columns = [
        "item_id", "school_key", "school_name", "platform", "kind", "account_id", "created_at",
        "author_key", "text",
    ]  # fmt: skip
    return _frame(conn, stmt, columns)


def alerts(
    conn: Connection, start: dt.datetime, end: dt.datetime, school_key: str | None = None
) -> pd.DataFrame:
    """One row per alert raised in the window, with its school (counts only, no text)."""
    stmt = (
        select(
            Alert.alert_id,
            Alert.item_id,
            School.school_key,
            Alert.alert_type,
            Alert.severity,
            Alert.status,
            Alert.score,
            Alert.created_at,
        )
        .outerjoin(School, School.school_id == Alert.school_id)
        .where(Alert.created_at >= start, Alert.created_at < end)
        .order_by(Alert.alert_id)
    )
    if school_key is not None:
        stmt = stmt.where(School.school_key == school_key)
    columns = [
        "alert_id",
        "item_id",
        "school_key",
        "alert_type",
        "severity",
        "status",
        "score",
        "created_at",
    ]
    return _frame(conn, stmt, columns)


def alert_outcomes(conn: Connection) -> pd.DataFrame:
    """Each reviewed alert's last status change: what the reviewer decided about it."""
    last_change = (
        select(AlertEvent.alert_id, func.max(AlertEvent.alert_event_id).label("alert_event_id"))
        .where(AlertEvent.to_status.is_not(None))
        .group_by(AlertEvent.alert_id)
        .subquery("last_change")
    )
    stmt = (
        select(
            Alert.alert_id,
            Alert.item_id,
            Alert.alert_type,
            Alert.severity,
            Alert.score,
            AlertEvent.to_status.label("outcome"),
            AlertEvent.actor,
            AlertEvent.at.label("decided_at"),
        )
        .join(last_change, last_change.c.alert_id == Alert.alert_id)
        .join(AlertEvent, AlertEvent.alert_event_id == last_change.c.alert_event_id)
        .order_by(Alert.alert_id)
    )
    columns = [
        "alert_id",
        "item_id",
        "alert_type",
        "severity",
        "score",
        "outcome",
        "actor",
        "decided_at",
    ]
    return _frame(conn, stmt, columns)


def schools(conn: Connection) -> pd.DataFrame:
    """Active schools in registry order of their ids (the rows every table is laid out on)."""
    stmt = (
        select(School.school_key, School.name)
        .where(School.is_active.is_(True))
        .order_by(School.school_id)
    )
    return _frame(conn, stmt, ["school_key", "name"])
