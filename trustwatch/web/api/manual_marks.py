"""The manual-mark forms, shared by the response inbox and the item page.

An account administrator (inbox) and a lead (item or alert page) can both say the school
"responded outside the platform"; the inbox also takes "no response needed" with a reason.
`trustwatch.sla.responses` owns the marks and their audit rows; what the two pages share
is the form's side: a note is required, the time is typed in the trust's local zone (empty
means now), and a refused mark rolls the session back and comes back as a message for the
page to show. It lives here once so the two pages cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlalchemy.orm import Session

from trustwatch.db.models import utcnow
from trustwatch.errors import UserError
from trustwatch.sla import responses

__all__ = ["form_time", "mark_no_response_needed", "mark_responded_outside"]


def form_time(value: str, zone: ZoneInfo) -> dt.datetime:
    """The form's local date and time (the trust's zone), or now when left empty."""
    if not value:
        return utcnow()
    try:
        local = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UserError("Give the response time as a date and time.") from None
    return (local if local.tzinfo else local.replace(tzinfo=zone)).astimezone(dt.UTC)


def mark_responded_outside(
    request: Request,
    db: Session,
    *,
    item_id: int,
    actor: str,
    note: str,
    responded_at: str,
    missing_note: str,
) -> str | None:
    """Apply the mark from the form's fields.

    Returns None when it was taken, else the message to show the user (the session has
    been rolled back). `missing_note` is the message for an empty note, worded for the page.
    """
    try:
        if not note.strip():
            raise UserError(missing_note)
        at = form_time(responded_at, ZoneInfo(request.app.state.registry.trust.timezone))
        responses.mark_responded_outside(db, item_id=item_id, actor=actor, note=note.strip(), at=at)
    except (UserError, ValueError) as exc:
        db.rollback()
        return str(exc)
    return None


def mark_no_response_needed(db: Session, *, item_id: int, actor: str, reason: str) -> str | None:
    """Apply "no response needed"; None when taken, else the message (session rolled back)."""
    try:
        responses.mark_no_response_needed(db, item_id=item_id, actor=actor, reason=reason)
    except UserError as exc:
        db.rollback()
        return str(exc)
    return None
