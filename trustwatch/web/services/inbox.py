"""The account administrators' response inbox: every comment owed a response, due first.

The trust policy makes answering comments the job of each account's named administrators.
The registry names them per account; a user with the `account_admin` role sees the
accounts whose administrators list their email, and nothing else: no other account, no
author handles (pseudonymous labels only), and no text of an item the classifier flagged
for safeguarding (that is the lead's, and the administrator is told to leave it to them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import Select, and_, exists, func, select, tuple_
from sqlalchemy.orm import Session

from trustwatch.db.models import Account, Alert, Item, ResponseSla, School, WebUser
from trustwatch.registry import Registry
from trustwatch.web.services.listing import Window, snippet, snippet_source

PAGE_SIZE = 50
SNIPPET_CHARS = 200
SHOW = {"owed": "Owed a response", "overdue": "Overdue only", "due_soon": "Due soon only"}
# Safeguarding text stays with the safeguarding lead.
LEAD_ONLY_TYPES = ("safeguarding",)


def named_accounts(registry: Registry, email: str) -> list[tuple[str, str]]:
    """(platform, platform account id) of every registry account naming this email."""
    email = email.lower()
    return [
        (account.platform.value, account.account_id)
        for _school, account in registry.accounts()
        if email in account.administrator_emails()
    ]


def account_ids(session: Session, registry: Registry, user: WebUser) -> list[int]:
    keys = named_accounts(registry, user.email)
    if not keys:
        return []
    return list(
        session.scalars(
            select(Account.account_id).where(
                tuple_(Account.platform, Account.platform_account_id).in_(keys)
            )
        )
    )


@dataclass(frozen=True)
class InboxFilters:
    show: str = "owed"
    account: int | None = None
    page: int = 1

    def query(self, **override: object) -> str:
        values = {"show": self.show, "account": self.account or "", "page": self.page}
        values.update(override)
        return urlencode({k: str(v) for k, v in values.items() if v not in ("", None, 0)})


@dataclass(frozen=True)
class InboxRow:
    sla: ResponseSla
    item: Item
    school_name: str
    account_handle: str
    snippet: str | None
    lead_only: bool
    state: str  # "overdue", "due_soon" or "waiting"


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    page: int
    pages: int
    first: int
    last: int
    overdue: int
    due_soon: int
    waiting: int
    accounts: list[tuple[int, str, str]]  # id, platform, handle


def _owed(ids: list[int]) -> Select:
    return (
        select(ResponseSla)
        .join(Item, Item.item_id == ResponseSla.item_id)
        .join(Account, Account.account_id == ResponseSla.account_id)
        .join(School, School.school_id == ResponseSla.school_id)
        .where(ResponseSla.account_id.in_(ids), ResponseSla.responded_at.is_(None))
    )


def inbox(
    session: Session,
    *,
    registry: Registry,
    user: WebUser,
    filters: InboxFilters,
    now: dt.datetime,
) -> InboxPage:
    ids = account_ids(session, registry, user)
    accounts = [
        (a.account_id, a.platform, a.handle)
        for a in session.scalars(
            select(Account).where(Account.account_id.in_(ids)).order_by(Account.handle)
        )
    ]
    if filters.account in ids:
        ids = [filters.account]
    soon = now + dt.timedelta(hours=registry.alerting.at_risk_lead_hours)
    base = _owed(ids)
    overdue = ResponseSla.due_at <= now
    due_soon = and_(ResponseSla.due_at > now, ResponseSla.due_at <= soon)
    counts = session.execute(
        base.with_only_columns(
            func.count(),
            func.count().filter(overdue),
            func.count().filter(due_soon),
        )
    ).one()
    stmt = base
    if filters.show == "overdue":
        stmt = stmt.where(overdue)
    elif filters.show == "due_soon":
        stmt = stmt.where(due_soon)
    total = session.scalar(stmt.with_only_columns(func.count())) or 0
    window = Window.at(total, filters.page, PAGE_SIZE)
    lead_only = exists().where(
        Alert.item_id == ResponseSla.item_id, Alert.alert_type.in_(LEAD_ONLY_TYPES)
    )
    rows = session.execute(
        window.rows(
            stmt.with_only_columns(
                ResponseSla,
                Item,
                School.name,
                Account.handle,
                snippet_source(Item.text, SNIPPET_CHARS),
                lead_only,
            ).order_by(ResponseSla.due_at, ResponseSla.item_id)
        )
    ).tuples()
    out = []
    for sla, item, school_name, handle, text, hidden in rows:
        state = "overdue" if sla.due_at <= now else "due_soon" if sla.due_at <= soon else "waiting"
        out.append(
            InboxRow(
                sla=sla,
                item=item,
                school_name=school_name,
                account_handle=handle,
                snippet=None if hidden or item.text_purged_at else snippet(text, SNIPPET_CHARS),
                lead_only=bool(hidden),
                state=state,
            )
        )
    return InboxPage(
        rows=out,
        **window.counts(len(out)),
        overdue=counts[1],
        due_soon=counts[2],
        waiting=counts[0] - counts[1] - counts[2],
        accounts=accounts,
    )


def owed_item(
    session: Session, *, registry: Registry, user: WebUser, item_id: int
) -> ResponseSla | None:
    """The clock row if the item is owed a response on one of the user's accounts."""
    ids = account_ids(session, registry, user)
    if not ids:
        return None
    return session.scalar(
        select(ResponseSla).where(ResponseSla.item_id == item_id, ResponseSla.account_id.in_(ids))
    )
