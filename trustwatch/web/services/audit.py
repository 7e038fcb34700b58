"""The audit trail: every view of casework and every change made through the app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustwatch.db.models import AuditLog, utcnow
from trustwatch.web.services.listing import Window


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: object | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one audit row in the caller's transaction, so it commits with the change itself.

    `detail` holds identifiers and filter values only, never item text or handles.
    """
    session.add(
        AuditLog(
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            detail=detail or {},
            at=utcnow(),
        )
    )


def recent(session: Session, *, limit: int = 200, actor: str | None = None) -> list[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.audit_id.desc()).limit(limit)
    if actor:
        stmt = stmt.where(AuditLog.actor == actor)
    return list(session.scalars(stmt))


AUDIT_PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1

    def query(self, **override: object) -> str:
        values = {
            "actor": self.actor,
            "action": self.action,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "page": str(self.page),
        }
        values.update({k: str(v) for k, v in override.items()})
        return urlencode({k: v for k, v in values.items() if v})


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditLog]
    total: int
    page: int
    pages: int
    first: int
    last: int


def search(session: Session, filters: AuditFilters, *, zone: dt.tzinfo) -> AuditPage:
    """Every audit row, newest first, a page at a time; filters by actor, action and date.

    Actor matches a part of the email (case-insensitive); action matches from the start,
    so "alert." finds every alert action. Dates are local days in the trust's zone.
    """
    stmt = select(AuditLog)
    if filters.actor:
        stmt = stmt.where(
            func.lower(AuditLog.actor).contains(filters.actor.lower(), autoescape=True)
        )
    if filters.action:
        stmt = stmt.where(AuditLog.action.startswith(filters.action, autoescape=True))
    if filters.date_from:
        start = dt.datetime.combine(filters.date_from, dt.time(), tzinfo=zone)
        stmt = stmt.where(AuditLog.at >= start.astimezone(dt.UTC))
    if filters.date_to:
        end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        stmt = stmt.where(AuditLog.at < end.astimezone(dt.UTC))
    total = session.scalar(stmt.with_only_columns(func.count())) or 0
    window = Window.at(total, filters.page, AUDIT_PAGE_SIZE)
    rows = list(session.scalars(window.rows(stmt.order_by(AuditLog.audit_id.desc()))))
    return AuditPage(rows=rows, **window.counts(len(rows)))


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
