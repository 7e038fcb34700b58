"""The classify job: score every warehouse item that has no score from the current model.

Kept outside the CLI so the Airflow step, the CLI and the tests share one implementation.
Rows are keyed (item, label, model version), so rerunning adds nothing and a new model
version rescoring everything adds a fresh set beside the old one. Beside the model's labels
each item gets an `other_language` row (classifiers.language, versioned by its own content
hash): a post the model cannot read is flagged for a person who can, rather than passed as
harmless on a low score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from classifiers.language import FLAG_VERSION, OTHER_LANGUAGE, THRESHOLD, other_language_scores
from classifiers.protocol import Classifier
from trustwatch.db.models import Classification, Item, utcnow


@dataclass
class ClassifySummary:
    """What one run did, for logs, XCom and the CLI."""

    model_version: str
    items_scored: int = 0
    items_flagged: int = 0  # items given an other-language row (new, or a new flag version)
    rows_written: int = 0
    above_threshold: dict[str, int] = field(default_factory=dict)


def _unscored(
    model_version: str,
    label: str | None,
    as_of: dt.datetime | None,
    only: Collection[int] | None = None,
) -> Select[tuple[int]]:
    """Items not deleted, text not purged, and no row for this version (and label, if given)."""
    scored = exists().where(
        Classification.item_id == Item.item_id, Classification.model_version == model_version
    )
    if label is not None:
        scored = scored.where(Classification.label == label)
    query = select(Item.item_id).where(
        ~scored, Item.is_deleted.is_(False), Item.text_purged_at.is_(None)
    )
    if as_of is not None:
        query = query.where(Item.ingested_at <= as_of)
    if only is not None:
        query = query.where(Item.item_id.in_(list(only)))
    return query.order_by(Item.item_id)


def pending_item_ids(
    session: Session,
    model_version: str,
    as_of: dt.datetime | None = None,
    only: Collection[int] | None = None,
) -> list[int]:
    """Items not deleted, text not purged, and no row for this model version.

    An item that never had text (an image post) is scored as empty text, i.e. zero on every
    label, so it is not picked up again on every run.
    """
    return list(session.scalars(_unscored(model_version, None, as_of, only)))


def unflagged_item_ids(
    session: Session, as_of: dt.datetime | None = None, only: Collection[int] | None = None
) -> list[int]:
    """Items without an other-language row from the current flag version.

    Kept apart from the model's rows: the flag is recomputed when its code changes (a new
    FLAG_VERSION) without rescoring the model, and the model can change without it.
    """
    return list(session.scalars(_unscored(FLAG_VERSION, OTHER_LANGUAGE, as_of, only)))


def _store(
    session: Session,
    summary: ClassifySummary,
    item_ids: list[int],
    scores: pd.DataFrame,
    thresholds: dict[str, float],
    version: str,
) -> None:
    now = utcnow()
    for item_id, row in zip(item_ids, scores.itertuples(index=False), strict=True):
        for label, score in zip(scores.columns, row, strict=True):
            above = bool(score >= thresholds[label])
            summary.above_threshold[label] += int(above)
            session.add(
                Classification(
                    item_id=item_id,
                    label=label,
                    score=float(score),
                    is_above_threshold=above,
                    model_version=version,
                    classified_at=now,
                )
            )
            summary.rows_written += 1
    session.flush()


def _texts(session: Session, item_ids: list[int]) -> tuple[list[int], list[str]]:
    items = session.execute(
        select(Item.item_id, Item.text).where(Item.item_id.in_(item_ids)).order_by(Item.item_id)
    ).all()
    return [item_id for item_id, _ in items], [text or "" for _, text in items]


def classify_item_ids(
    session: Session, classifier: Classifier, item_ids: list[int], batch_size: int = 256
) -> ClassifySummary:
    """Score the given items (those not yet scored by this version), e.g. open casework
    after a promotion: a bounded set, never the whole table."""
    summary = ClassifySummary(model_version=classifier.version)
    summary.above_threshold = {label: 0 for label in classifier.labels}
    scored = set(
        session.scalars(
            select(Classification.item_id).where(
                Classification.item_id.in_(item_ids),
                Classification.model_version == classifier.version,
            )
        )
    )
    pending = sorted(set(item_ids) - scored)
    for start in range(0, len(pending), batch_size):
        ids, texts = _texts(session, pending[start : start + batch_size])
        scores = classifier.predict_proba(texts)
        _store(session, summary, ids, scores, classifier.thresholds, classifier.version)
        summary.items_scored += len(ids)
    return summary


def classify_items(
    session: Session,
    classifier: Classifier,
    batch_size: int = 256,
    as_of: dt.datetime | None = None,
    only: Collection[int] | None = None,
) -> ClassifySummary:
    """Score pending items in batches and store label, score, threshold flag and version.

    Then give every item without one an other-language row (version FLAG_VERSION).
    `only` limits the run to those item ids (the event path scores just what it loaded).
    """
    summary = ClassifySummary(model_version=classifier.version)
    summary.above_threshold = {label: 0 for label in (*classifier.labels, OTHER_LANGUAGE)}
    ids = pending_item_ids(session, classifier.version, as_of, only)
    for start in range(0, len(ids), batch_size):
        item_ids, texts = _texts(session, ids[start : start + batch_size])
        scores = classifier.predict_proba(texts)
        _store(session, summary, item_ids, scores, classifier.thresholds, classifier.version)
        summary.items_scored += len(item_ids)
    flag_ids = unflagged_item_ids(session, as_of, only)
    for start in range(0, len(flag_ids), batch_size):
        item_ids, texts = _texts(session, flag_ids[start : start + batch_size])
        scores = pd.DataFrame({OTHER_LANGUAGE: other_language_scores(texts)})
        _store(session, summary, item_ids, scores, {OTHER_LANGUAGE: THRESHOLD}, FLAG_VERSION)
        summary.items_flagged += len(item_ids)
    return summary
