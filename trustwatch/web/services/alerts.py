"""The lead's alert queue and alert detail (reads only; changes go through the lifecycle).

The queue deliberately shows no item text: text is only on the detail page, and every
opening of that page is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from trustwatch.db.models import (
    Alert,
    AlertEvent,
    Author,
    Classification,
    Item,
    ResponseSla,
    School,
    WebUser,
)
from trustwatch.web.services.scope import school_clause

SEVERITY_ORDER = ("critical", "high", "medium", "low")
STATUSES = ("open", "acknowledged", "resolved", "dismissed")
ACTIVE_STATUSES = ("open", "acknowledged")
STATUS_FILTERS = ("active", *STATUSES, "all")
PAGE_SIZE = 50
THREAD_LIMIT = 60

_severity_rank = case(
    {name: rank for rank, name in enumerate(SEVERITY_ORDER)},
    value=Alert.severity,
    else_=len(SEVERITY_ORDER),
)


@dataclass(frozen=True)
class QueueFilters:
    school: str = ""
    platform: str = ""
    alert_type: str = ""
    status: str = "active"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1

    def as_audit(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in ("", None)}


@dataclass(frozen=True)
class QueueRow:
    alert: Alert
    school_name: str | None
    school_key: str | None
    platform: str


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def _visible(user: WebUser) -> Select[tuple[Alert, str | None, str | None, str]]:
    return (
        select(Alert, School.name, School.school_key, Item.platform)
        .join(Item, Item.item_id == Alert.item_id)
        .outerjoin(School, School.school_id == Alert.school_id)
        .where(school_clause(user, Alert.school_id))
    )


def _day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def queue(session: Session, *, user: WebUser, filters: QueueFilters, zone: dt.tzinfo) -> QueuePage:
    """Alerts the user may see, most severe first, then oldest first within a severity."""
    stmt = _visible(user)
    if filters.school:
        stmt = stmt.where(School.school_key == filters.school)
    if filters.platform:
        stmt = stmt.where(Item.platform == filters.platform)
    if filters.alert_type:
        stmt = stmt.where(Alert.alert_type == filters.alert_type)
    if filters.status == "active":
        stmt = stmt.where(Alert.status.in_(ACTIVE_STATUSES))
    elif filters.status in STATUSES:
        stmt = stmt.where(Alert.status == filters.status)
    if filters.date_from:
        stmt = stmt.where(Alert.created_at >= _day_start(filters.date_from, zone))
    if filters.date_to:
        end = _day_start(filters.date_to + dt.timedelta(days=1), zone)
        stmt = stmt.where(Alert.created_at < end)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    ordered = stmt.order_by(_severity_rank, Alert.created_at, Alert.alert_id)
    rows = session.execute(ordered.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return QueuePage(
        rows=[QueueRow(alert=r[0], school_name=r[1], school_key=r[2], platform=r[3]) for r in rows],
        total=total,
        page=page,
        pages=pages,
    )


def filter_choices(session: Session, *, user: WebUser) -> dict[str, list[str]]:
    """Platforms and alert types that occur in the user's alerts, for the filter menus."""
    base = _visible(user).subquery()
    return {
        "platforms": sorted(session.scalars(select(base.c.platform).distinct())),
        "alert_types": sorted(session.scalars(select(base.c.alert_type).distinct())),
        "statuses": list(STATUS_FILTERS),
    }


@dataclass(frozen=True)
class ThreadEntry:
    item: Item
    is_flagged: bool
    is_same_author: bool
    author_label: str


@dataclass
class AlertDetail:
    alert: Alert
    item: Item
    school: School | None
    author: Author | None
    thread: list[ThreadEntry]
    scores: list[Classification]
    events: list[AlertEvent]
    sla: ResponseSla | None
    thread_truncated: bool = False
    other_alerts: list[Alert] = field(default_factory=list)


def get_visible_alert(session: Session, *, user: WebUser, alert_id: int) -> Alert | None:
    """The alert if the user's scope includes it; None reads as 404, never as 403."""
    return session.scalar(
        select(Alert).where(Alert.alert_id == alert_id, school_clause(user, Alert.school_id))
    )


def _author_label(item: Item, flagged: Item) -> str:
    """Thread authors other than the flagged one appear as short pseudonyms, not handles."""
    if item.is_from_school:
        return "school account"
    if item.author_key is None:
        return "unknown author"
    if item.author_key == flagged.author_key:
        return "flagged author"
    return f"author {item.author_key[:8]}"


def thread_of(session: Session, item: Item) -> tuple[list[ThreadEntry], bool]:
    """The conversation around an item, at most THREAD_LIMIT entries centred on it."""
    root = item.thread_root_external_id or item.external_id
    rows = list(
        session.scalars(
            select(Item)
            .where(
                Item.platform == item.platform,
                (Item.thread_root_external_id == root) | (Item.external_id == root),
            )
            .order_by(Item.created_at, Item.item_id)
        )
    )
    truncated = len(rows) > THREAD_LIMIT
    if truncated:
        index = next(i for i, r in enumerate(rows) if r.item_id == item.item_id)
        start = max(0, min(index - THREAD_LIMIT // 2, len(rows) - THREAD_LIMIT))
        rows = rows[start : start + THREAD_LIMIT]
    entries = [
        ThreadEntry(
            item=row,
            is_flagged=row.item_id == item.item_id,
            is_same_author=row.author_key is not None and row.author_key == item.author_key,
            author_label=_author_label(row, item),
        )
        for row in rows
    ]
    return entries, truncated


def detail(session: Session, *, alert: Alert) -> AlertDetail:
    item = session.get_one(Item, alert.item_id)
    thread, truncated = thread_of(session, item)
    scores = list(
        session.scalars(
            select(Classification)
            .where(Classification.item_id == item.item_id)
            .order_by(Classification.classified_at.desc(), Classification.label)
        )
    )
    others = list(
        session.scalars(
            select(Alert)
            .where(Alert.item_id == item.item_id, Alert.alert_id != alert.alert_id)
            .order_by(Alert.alert_id)
        )
    )
    return AlertDetail(
        alert=alert,
        item=item,
        school=session.get(School, alert.school_id) if alert.school_id else None,
        author=session.get(Author, item.author_key) if item.author_key else None,
        thread=thread,
        scores=scores,
        events=list(
            session.scalars(
                select(AlertEvent)
                .where(AlertEvent.alert_id == alert.alert_id)
                .order_by(AlertEvent.at, AlertEvent.alert_event_id)
            )
        ),
        sla=session.get(ResponseSla, item.item_id),
        thread_truncated=truncated,
        other_alerts=others,
    )
