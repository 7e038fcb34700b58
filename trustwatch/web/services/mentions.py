"""Items under the 24-hour rule for a lead: what is waiting for a response, and the thread."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustwatch.db.models import Account, Alert, Item, ResponseSla, School, WebUser
from trustwatch.web.services.alerts import ThreadEntry, reading_of, thread_of
from trustwatch.web.services.listing import Window
from trustwatch.web.services.scope import school_clause

CLOCK_FILTERS = {"waiting": "Waiting for a response", "answered": "Answered", "all": "All"}
PAGE_SIZE = 200


@dataclass(frozen=True)
class ClockRow:
    sla: ResponseSla
    item: Item
    school_name: str
    account_handle: str
    is_overdue: bool


@dataclass(frozen=True)
class ClockFilters:
    show: str = "waiting"
    school: str = ""
    page: int = 1

    def query(self, **override: object) -> str:
        values = {"show": self.show, "school": self.school, "page": self.page}
        values.update(override)
        return urlencode({k: str(v) for k, v in values.items() if v not in ("", None)})


@dataclass(frozen=True)
class ClockPage:
    rows: list[ClockRow]
    total: int
    page: int
    pages: int
    first: int
    last: int


def clocks(
    session: Session, *, user: WebUser, filters: ClockFilters, now: dt.datetime
) -> ClockPage:
    """Response clocks in the user's scope, a page of PAGE_SIZE at a time, due first."""
    stmt = (
        select(ResponseSla, Item, School.name, Account.handle)
        .join(Item, Item.item_id == ResponseSla.item_id)
        .join(School, School.school_id == ResponseSla.school_id)
        .join(Account, Account.account_id == ResponseSla.account_id)
        .where(school_clause(user, ResponseSla.school_id))
    )
    if filters.show == "waiting":
        stmt = stmt.where(ResponseSla.responded_at.is_(None))
    elif filters.show == "answered":
        stmt = stmt.where(ResponseSla.responded_at.is_not(None))
    if filters.school:
        stmt = stmt.where(School.school_key == filters.school)
    total = session.scalar(stmt.with_only_columns(func.count())) or 0
    window = Window.at(total, filters.page, PAGE_SIZE)
    stmt = window.rows(stmt.order_by(ResponseSla.due_at, ResponseSla.item_id))
    rows = [
        ClockRow(
            sla=sla,
            item=item,
            school_name=name,
            account_handle=handle,
            is_overdue=sla.responded_at is None and sla.due_at <= now,
        )
        for sla, item, name, handle in session.execute(stmt).all()
    ]
    return ClockPage(rows=rows, **window.counts(len(rows)))


def get_visible_item(session: Session, *, user: WebUser, item_id: int) -> Item | None:
    return session.scalar(
        select(Item).where(Item.item_id == item_id, school_clause(user, Item.school_id))
    )


@dataclass(frozen=True)
class ItemDetail:
    item: Item
    school: School | None
    thread: list[ThreadEntry]
    thread_truncated: bool
    sla: ResponseSla | None
    alerts: list[Alert]
    reading: str | None = None


def item_detail(session: Session, *, item: Item, user: WebUser) -> ItemDetail:
    thread, truncated = thread_of(session, item, user)
    return ItemDetail(
        item=item,
        school=session.get(School, item.school_id) if item.school_id else None,
        thread=thread,
        thread_truncated=truncated,
        sla=session.get(ResponseSla, item.item_id),
        alerts=list(
            session.scalars(
                select(Alert).where(Alert.item_id == item.item_id).order_by(Alert.alert_id)
            )
        ),
        reading=reading_of(item),
    )
