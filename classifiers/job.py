"""The classify job: score every warehouse item that has no score from the current model.

Kept outside the CLI so the Airflow step, the CLI and the tests share one implementation.
Rows are keyed (item, label, model version), so rerunning adds nothing and a new model
version rescoring everything adds a fresh set beside the old one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from classifiers.protocol import Classifier
from trustwatch.db.models import Classification, Item, utcnow


@dataclass
class ClassifySummary:
    """What one run did, for logs, XCom and the CLI."""

    model_version: str
    items_scored: int = 0
    rows_written: int = 0
    above_threshold: dict[str, int] = field(default_factory=dict)


def pending_item_ids(
    session: Session, model_version: str, as_of: dt.datetime | None = None
) -> list[int]:
    """Items not deleted, text not purged, and no row for this model version.

    An item that never had text (an image post) is scored as empty text, i.e. zero on every
    label, so it is not picked up again on every run.
    """
    scored = exists().where(
        Classification.item_id == Item.item_id, Classification.model_version == model_version
    )
    query = (
        select(Item.item_id)
        .where(~scored, Item.is_deleted.is_(False), Item.text_purged_at.is_(None))
        .order_by(Item.item_id)
    )
    if as_of is not None:
        query = query.where(Item.ingested_at <= as_of)
    return list(session.scalars(query))


def classify_items(
    session: Session,
    classifier: Classifier,
    batch_size: int = 256,
    as_of: dt.datetime | None = None,
) -> ClassifySummary:
    """Score pending items in batches and store label, score, threshold flag and version."""
    summary = ClassifySummary(model_version=classifier.version)
    summary.above_threshold = {label: 0 for label in classifier.labels}
    ids = pending_item_ids(session, classifier.version, as_of)
    for start in range(0, len(ids), batch_size):
        batch_ids = ids[start : start + batch_size]
        items = session.execute(
            select(Item.item_id, Item.text)
            .where(Item.item_id.in_(batch_ids))
            .order_by(Item.item_id)
        ).all()
        proba = classifier.predict_proba([text or "" for _, text in items])
        now = utcnow()
        for (item_id, _), scores in zip(items, proba.itertuples(index=False), strict=True):
            for label, score in zip(classifier.labels, scores, strict=True):
                above = bool(score >= classifier.thresholds[label])
                summary.above_threshold[label] += int(above)
                session.add(
                    Classification(
                        item_id=item_id,
                        label=label,
                        score=float(score),
                        is_above_threshold=above,
                        model_version=classifier.version,
                        classified_at=now,
                    )
                )
                summary.rows_written += 1
        summary.items_scored += len(items)
        session.flush()
    return summary
