"""Which alerts still need announcing, with what a message about them may say.

An alert counts as safeguarding if its type is, or if any score ever put its item above
the safeguarding threshold: a bullying alert on a post that also reads as a
safeguarding concern must not carry the post's text either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from trustwatch.db.models import Alert, Classification, Item, School

CLOSED_STATUSES = frozenset({"resolved", "dismissed", "closed"})
SAFEGUARDING = "safeguarding"


@dataclass(frozen=True)
class AlertView:
    alert_id: int
    alert_type: str
    severity: str
    status: str
    created_at: dt.datetime
    school_key: str | None
    school_name: str | None
    lead_email: str | None
    routed_to: tuple[str, ...]
    platform: str
    kind: str
    item_created_at: dt.datetime
    is_safeguarding: bool
    text: str | None


def open_alerts(
    session: Session, *, severities: Collection[str], now: dt.datetime, with_text: bool = False
) -> list[AlertView]:
    """Alerts of these severities raised by `now` and not yet resolved or dismissed.

    Post text is kept in a view only when asked (`with_text`, for an allowed email
    excerpt) and never for a safeguarding alert: what a view lacks cannot leak.
    """
    flagged_safeguarding = exists().where(
        Classification.item_id == Alert.item_id,
        Classification.label == SAFEGUARDING,
        Classification.is_above_threshold.is_(True),
    )
    stmt = (
        select(Alert, Item, School, flagged_safeguarding.label("flagged"))
        .join(Item, Item.item_id == Alert.item_id)
        .outerjoin(School, School.school_id == Alert.school_id)
        .where(
            Alert.severity.in_(list(severities)),
            Alert.status.not_in(list(CLOSED_STATUSES)),
            Alert.created_at <= now,
        )
        .order_by(Alert.created_at, Alert.alert_id)
    )
    views = []
    for alert, item, school, flagged in session.execute(stmt).all():
        is_safeguarding = alert.alert_type == SAFEGUARDING or bool(flagged)
        views.append(
            AlertView(
                alert_id=alert.alert_id,
                alert_type=alert.alert_type,
                severity=alert.severity,
                status=alert.status,
                created_at=alert.created_at,
                school_key=school.school_key if school else None,
                school_name=school.name if school else None,
                lead_email=school.safeguarding_lead_email if school else None,
                routed_to=tuple(r for r in (alert.routed_to or []) if "@" in r),
                platform=item.platform,
                kind=item.kind,
                item_created_at=item.created_at,
                is_safeguarding=is_safeguarding,
                text=item.text if with_text and not is_safeguarding else None,
            )
        )
    return views
