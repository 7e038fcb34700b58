"""The audit trail: every view of casework and every change made through the app."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustwatch.db.models import AuditLog, utcnow


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
