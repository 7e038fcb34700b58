"""The alert life cycle: open -> acknowledged -> resolved / dismissed, and reopen.

Every change is an `alert_events` row (who, when, what, note). These functions are what
the review web app calls; they work in the caller's transaction and never commit.
Dismissing needs a note: a dismissed safeguarding alert must say why.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy.orm import Session

from trustwatch.db.models import Alert, AlertEvent, utcnow
from trustwatch.errors import UserError

__all__ = [
    "ALLOWED",
    "AlertNotFoundError",
    "AlertStatus",
    "IllegalTransitionError",
    "assign",
    "record_event",
    "transition",
]


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


ALLOWED: dict[AlertStatus, frozenset[AlertStatus]] = {
    AlertStatus.OPEN: frozenset(
        {AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED, AlertStatus.DISMISSED}
    ),
    AlertStatus.ACKNOWLEDGED: frozenset({AlertStatus.RESOLVED, AlertStatus.DISMISSED}),
    AlertStatus.RESOLVED: frozenset({AlertStatus.OPEN}),
    AlertStatus.DISMISSED: frozenset({AlertStatus.OPEN}),
}


class AlertNotFoundError(UserError):
    """No alert with that id."""


class IllegalTransitionError(UserError):
    """The requested status change is not part of the life cycle."""


def _get(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertNotFoundError(f"alert {alert_id} does not exist")
    return alert


def _actor(actor: str) -> str:
    actor = (actor or "").strip()
    if not actor:
        raise UserError("an alert change needs an actor (who is making it)")
    return actor


def record_event(
    session: Session,
    alert: Alert,
    *,
    event: str,
    actor: str,
    at: dt.datetime,
    note: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    from_severity: str | None = None,
    to_severity: str | None = None,
) -> AlertEvent:
    row = AlertEvent(
        alert=alert,
        event=event,
        actor=actor,
        at=at,
        note=note,
        from_status=from_status,
        to_status=to_status,
        from_severity=from_severity,
        to_severity=to_severity,
    )
    session.add(row)
    alert.updated_at = at
    return row


def transition(
    session: Session,
    *,
    alert_id: int,
    to_status: str,
    actor: str,
    note: str | None = None,
    at: dt.datetime | None = None,
) -> Alert:
    """Move an alert to `to_status`; raises IllegalTransitionError for a move not allowed."""
    alert = _get(session, alert_id)
    actor = _actor(actor)
    try:
        target = AlertStatus(to_status)
    except ValueError:
        allowed = ", ".join(s.value for s in AlertStatus)
        raise IllegalTransitionError(
            f"'{to_status}' is not an alert status; use one of {allowed}"
        ) from None
    current = AlertStatus(alert.status)
    if target not in ALLOWED[current]:
        options = ", ".join(sorted(s.value for s in ALLOWED[current])) or "none"
        raise IllegalTransitionError(
            f"alert {alert_id} is {current.value} and cannot become {target.value}; "
            f"from {current.value} it can become: {options}"
        )
    if target is AlertStatus.DISMISSED and not (note and note.strip()):
        raise IllegalTransitionError(
            f"dismissing alert {alert_id} needs a note saying why it needs no action"
        )
    record_event(
        session,
        alert,
        event="transition",
        actor=actor,
        at=at or utcnow(),
        note=note,
        from_status=current.value,
        to_status=target.value,
    )
    alert.status = target.value
    session.flush()
    return alert


def assign(
    session: Session,
    *,
    alert_id: int,
    assignee: str,
    actor: str,
    note: str | None = None,
    at: dt.datetime | None = None,
) -> Alert:
    """Give an alert to someone; reassigning is allowed and recorded like the first time."""
    alert = _get(session, alert_id)
    actor = _actor(actor)
    assignee = (assignee or "").strip()
    if not assignee:
        raise UserError(f"assigning alert {alert_id} needs an assignee")
    previous = alert.assigned_to
    text = f"assigned to {assignee}" + (f" (was {previous})" if previous else "")
    record_event(
        session,
        alert,
        event="assigned",
        actor=actor,
        at=at or utcnow(),
        note=f"{text}: {note}" if note else text,
    )
    alert.assigned_to = assignee
    session.flush()
    return alert
