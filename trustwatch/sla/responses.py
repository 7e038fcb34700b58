"""Manual marks made in the review app: "responded outside the platform", "no response needed".

A school sometimes answers by phone, email or in person. The mark (who, when, note) is
stored in `manual_responses`, which the SLA job reads on every run, and applied at once to
the clock's `response_sla` rows so the app shows the effect without waiting for the job.
The fact of the mark also goes to `audit_log`; the note does not (least data).

"No response needed" (an account administrator's decision, with a reason) takes the item
out of the rule altogether: the SLA job gives it no clock from then on, its own
`response_sla` row goes at once, and an open response-time alert on it is resolved with
the reason. Items that shared its clock are re-clocked on the next SLA run.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustwatch.alerts import lifecycle
from trustwatch.db.models import Alert, AuditLog, ManualResponse, ResponseSla, utcnow
from trustwatch.errors import UserError
from trustwatch.sla.rule import SlaStatus

__all__ = [
    "NOT_NEEDED",
    "RESPONDED",
    "ResponseMarkError",
    "mark_no_response_needed",
    "mark_responded_outside",
]

RESPONDED = "responded"
NOT_NEEDED = "not_needed"
_SLA_ALERT_TYPES = ("sla_at_risk", "sla_breached")

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


def mark_no_response_needed(
    session: Session, *, item_id: int, actor: str, reason: str
) -> ManualResponse:
    """Record that `item_id` needs no response, and why. Works in the caller's transaction.

    Raises ResponseMarkError without a reason, without an actor, or when the item has no
    response clock (nothing to take out of the rule).
    """
    actor = (actor or "").strip()
    reason = (reason or "").strip()
    if not actor:
        raise ResponseMarkError("a 'no response needed' mark needs the name of who made it")
    if not reason:
        raise ResponseMarkError("say why no response is needed (the reason is kept)")
    row = session.get(ResponseSla, item_id)
    if row is None:
        raise ResponseMarkError(
            f"item {item_id} has no response clock, so there is nothing to mark as not needed"
        )
    now = utcnow()
    mark = ManualResponse(
        item_id=item_id,
        responded_at=now,
        marked_by=actor,
        note=reason,
        marked_at=now,
        kind=NOT_NEEDED,
    )
    session.add(mark)
    clock_item_id = row.clock_item_id
    session.delete(row)
    resolved = []
    open_alerts = session.scalars(
        select(Alert.alert_id).where(
            Alert.item_id == item_id,
            Alert.alert_type.in_(_SLA_ALERT_TYPES),
            Alert.status.in_(("open", "acknowledged")),
        )
    ).all()
    for alert_id in open_alerts:
        # The alert life cycle stays the one owner of alert changes.
        lifecycle.transition(
            session,
            alert_id=alert_id,
            to_status="resolved",
            actor=actor,
            note=f"no response needed: {reason}",
            at=now,
        )
        resolved.append(alert_id)
    session.flush()
    session.add(
        AuditLog(
            actor=actor,
            action="sla.no_response_needed",
            target_type="item",
            target_id=str(item_id),
            detail={
                "manual_response_id": mark.manual_response_id,
                "clock_item_id": clock_item_id,
                "resolved_alert_ids": resolved,
            },
            at=now,
        )
    )
    session.flush()
    return mark
