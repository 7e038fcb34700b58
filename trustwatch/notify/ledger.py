"""The notifications ledger: what was sent, on which channel, for which state.

A row is written after every delivery attempt and committed at once, so a crash after
a send cannot forget it and cause a second one. Only `status == "sent"` means notified.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustwatch.db.models import Notification
from trustwatch.notify.retry import Outcome

SENT = "sent"
FAILED = "failed"


def alert_subject(alert_id: int) -> str:
    return f"alert:{alert_id}"


def is_sent(session: Session, subject: str, state: str, channel: str) -> bool:
    status = session.scalar(
        select(Notification.status).where(
            Notification.subject == subject,
            Notification.state == state,
            Notification.channel == channel,
        )
    )
    return status == SENT


def record(
    session: Session,
    *,
    subject: str,
    state: str,
    channel: str,
    outcome: Outcome,
    now: dt.datetime,
    alert_id: int | None = None,
) -> Notification:
    """Add or update the ledger row for one attempt batch, and commit it straight away."""
    row = session.scalar(
        select(Notification).where(
            Notification.subject == subject,
            Notification.state == state,
            Notification.channel == channel,
        )
    )
    if row is None:
        row = Notification(
            subject=subject,
            alert_id=alert_id,
            state=state,
            channel=channel,
            attempts=0,
            first_attempt_at=now,
        )
        session.add(row)
    row.attempts += outcome.attempts
    row.last_attempt_at = now
    if outcome.ok:
        row.status = SENT
        row.sent_at = now
        row.last_error = None
    else:
        row.status = FAILED
        row.last_error = outcome.error
    session.commit()
    return row
