"""What a lead's verdict on a label means, for the review app and for retraining alike.

The review app stores verdicts (`trustwatch.web.services.verdicts`); retraining
(`classifiers.training.retrain`) reads them back as training rows through `verdict_rows`.
Both use the definitions here, so a verdict always teaches what the lead meant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.labels import LABELS
from trustwatch.db.models import Item, LabelVerdict

CONFIRMED = "confirmed"
DISMISSED = "dismissed"
SHOULD_BE = "should_be"
MISSED = "missed"
VERDICTS = (CONFIRMED, DISMISSED, SHOULD_BE, MISSED)


def training_targets(verdict: str, label: str, should_be: str | None) -> dict[str, float]:
    """What one verdict teaches: 1.0/0.0 for the labels it speaks about, nothing else.

    A confirmed or missed label is a positive, a dismissed one a negative; "should have
    been X" is a negative for the flagged label and a positive for X. Labels a verdict says
    nothing about stay unknown, so the training loss is masked for them.
    """
    if verdict in (CONFIRMED, MISSED):
        return {label: 1.0}
    if verdict == DISMISSED:
        return {label: 0.0}
    if verdict == SHOULD_BE and should_be:
        return {label: 0.0, should_be: 1.0}
    return {}


@dataclass(frozen=True)
class VerdictRow:
    """One item's text with what its verdicts say about each label (None: nothing said)."""

    item_id: int
    text: str
    decided_at: dt.datetime
    targets: dict[str, float]


def verdict_rows(session: Session, *, until: dt.datetime | None = None) -> list[VerdictRow]:
    """Items with verdicts and text still held, one row per item (newest decision time).

    Items whose text was purged (retention, erasure) cannot be trained on and are left out.
    A positive from one verdict wins over a negative from another on the same label (a
    should-be that names a label the lead also confirmed).
    """
    stmt = (
        select(LabelVerdict, Item.text)
        .join(Item, Item.item_id == LabelVerdict.item_id)
        .where(Item.text.is_not(None))
        .order_by(LabelVerdict.item_id, LabelVerdict.decided_at)
    )
    if until is not None:
        stmt = stmt.where(LabelVerdict.decided_at < until)
    rows: dict[int, VerdictRow] = {}
    for verdict, text in session.execute(stmt).all():
        targets = training_targets(verdict.verdict, verdict.label, verdict.should_be)
        previous = rows.get(verdict.item_id)
        merged = dict(previous.targets) if previous else {}
        for label, value in targets.items():
            if label in LABELS:
                merged[label] = max(value, merged.get(label, 0.0))
        decided = max(verdict.decided_at, previous.decided_at) if previous else verdict.decided_at
        rows[verdict.item_id] = VerdictRow(verdict.item_id, text, decided, merged)
    return [row for row in rows.values() if row.targets]
