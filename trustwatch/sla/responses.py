"""Manual "responded outside the platform" marks, made in the review app.

A school sometimes answers by phone, email or in person. The mark (who, when, note) is
stored in `manual_responses`, which the SLA job reads on every run, and applied at once to
the clock's `response_sla` rows so the app shows the effect without waiting for the job.
The fact of the mark also goes to `audit_log`; the note does not (least data).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustwatch.db.models import AuditLog, ManualResponse, ResponseSla, utcnow
from trustwatch.errors import UserError
from trustwatch.sla.rule import SlaStatus

__all__ = ["ResponseMarkError", "mark_responded_outside"]

_CLOCK_SKEW = dt.timedelta(minutes=5)


class ResponseMarkError(UserError):
    """A manual response mark that cannot be accepted; the message says why."""


def mark_responded_outside(
    session: Session,
    *,
    item_id: int,
    actor: str,
    note: str | None,
    at: dt.datetime | None = None,
) -> ManualResponse:
    """Record that the school answered `item_id` outside the platform at `at` (default now).

    Works in the caller's transaction. Raises ResponseMarkError when the item has no
    response clock, `at` is naive, in the future, or before the message arrived.
    """
    actor = (actor or "").strip()
    if not actor:
        raise ResponseMarkError("a manual response mark needs the name of who made it")
    now = utcnow()
    at = now if at is None else at
    if at.tzinfo is None:
        raise ResponseMarkError("the response time has no time zone; pass an aware datetime")
    at = at.astimezone(dt.UTC)
    row = session.get(ResponseSla, item_id)
    if row is None:
        raise ResponseMarkError(
            f"item {item_id} has no response clock: it does not need a response (a public "
            "mention, a school post, spam) or the SLA job has not run since it arrived"
        )
    if at > now + _CLOCK_SKEW:
        raise ResponseMarkError(f"the response time {at.isoformat()} is in the future")
    if at < row.received_at:
        raise ResponseMarkError(
            f"the response time {at.isoformat()} is before the message arrived "
            f"({row.received_at.isoformat()})"
        )
    mark = ManualResponse(
        item_id=item_id, responded_at=at, marked_by=actor, note=note or None, marked_at=now
    )
    session.add(mark)
    clock_rows = session.scalars(
        select(ResponseSla).where(ResponseSla.clock_item_id == row.clock_item_id)
    ).all()
    for clock_row in clock_rows:
        if clock_row.responded_at is not None and clock_row.responded_at <= at:
            continue
        clock_row.responded_at = at
        clock_row.response_item_id = None
        clock_row.responded_manually_by = actor
        clock_row.responded_manually_note = note or None
        clock_row.response_seconds = (at - clock_row.received_at).total_seconds()
        clock_row.status = (SlaStatus.MET if at <= clock_row.due_at else SlaStatus.BREACHED).value
    session.flush()
    session.add(
        AuditLog(
            actor=actor,
            action="sla.responded_outside",
            target_type="item",
            target_id=str(item_id),
            detail={"manual_response_id": mark.manual_response_id, "responded_at": at.isoformat()},
            at=now,
        )
    )
    session.flush()
    return mark
