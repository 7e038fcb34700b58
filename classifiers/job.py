"""The classify job: score every warehouse item that has no score from the current model.

Kept outside the CLI so the Airflow step, the CLI and the tests share one implementation.
Rows are keyed (item, label, model version), so rerunning adds nothing and a new model
version rescoring everything adds a fresh set beside the old one. Beside the model's labels
each item gets an `other_language` row (classifiers.language, versioned by its own content
hash): a post the model cannot read is flagged for a person who can, rather than passed as
harmless on a low score.

**Backlogs stream.** Pending items are found a page of ids at a time (keyset on item_id),
scored a batch at a time and flushed, with an INFO progress line every few thousand
items, so a backlog of a million items holds one page in memory, not the warehouse.
**Hourly runs look only at new work.** With `changed_since`, only items loaded or changed
after that mark are candidates (`items.updated_at`, indexed); the classify step keeps the
mark in `job_cursors` and drops it (a full backlog pass) when the model or flag version
changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import Session

from classifiers.language import FLAG_VERSION, OTHER_LANGUAGE, THRESHOLD, other_language_scores
from classifiers.protocol import Classifier
from trustwatch.db.models import Classification, Item, utcnow

log = logging.getLogger(__name__)
PAGE = 5_000  # pending ids fetched per query
PROGRESS_EVERY = 5_000  # items between progress lines


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
    changed_since: dt.datetime | None = None,
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
    if changed_since is not None:
        query = query.where(Item.updated_at > changed_since)
    if only is not None:
        query = query.where(Item.item_id.in_(list(only)))
    return query.order_by(_page_key(changed_since))


def _page_key(changed_since: dt.datetime | None) -> ColumnElement[int]:
    """The keyset paging key: item_id, written `item_id + 0` when a window bounds the run.

    The hourly run's candidates are the few items stamped after its mark, found through
    the `updated_at` index. Ordered and bounded by the bare primary key, SQLite walks the
    whole table in key order instead (it prefers not to sort, and cannot tell how few rows
    the window holds), which costs what the warehouse holds; the expression leaves it only
    the index. A backlog pass (no window) pages along the primary key as before.
    """
    return Item.item_id if changed_since is None else Item.item_id + 0


def _pages(
    session: Session, query: Select[tuple[int]], key: ColumnElement[int] = Item.item_id
) -> Iterator[list[int]]:
    """The query's ids a page at a time (keyset on item_id): bounded memory on a backlog."""
    after = 0
    while True:
        page = list(session.scalars(query.where(key > after).limit(PAGE)))
        if not page:
            return
        yield page
        after = page[-1]


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
    return list(session.scalars(_unscored(model_version, None, as_of, only=only)))


def unflagged_item_ids(
    session: Session, as_of: dt.datetime | None = None, only: Collection[int] | None = None
) -> list[int]:
    """Items without an other-language row from the current flag version.

    Kept apart from the model's rows: the flag is recomputed when its code changes (a new
    FLAG_VERSION) without rescoring the model, and the model can change without it.
    """
    return list(session.scalars(_unscored(FLAG_VERSION, OTHER_LANGUAGE, as_of, only=only)))


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


class _Progress:
    """INFO lines while a backlog is scored: how many, how fast (never error-level)."""

    def __init__(self, what: str) -> None:
        self.what, self.done, self.next_line, self.started = (
            what,
            0,
            PROGRESS_EVERY,
            time.monotonic(),
        )

    def add(self, count: int) -> None:
        self.done += count
        if self.done >= self.next_line:
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            log.info("%s: %d items so far (%.0f items/s)", self.what, self.done, rate)
            self.next_line += PROGRESS_EVERY


def classify_items(
    session: Session,
    classifier: Classifier,
    batch_size: int = 256,
    as_of: dt.datetime | None = None,
    changed_since: dt.datetime | None = None,
    only: Collection[int] | None = None,
) -> ClassifySummary:
    """Score pending items in batches and store label, score, threshold flag and version.

    Then give every item without one an other-language row (version FLAG_VERSION). With
    `changed_since`, only items loaded or changed after it are considered; `only` limits
    the run to those item ids (the event path scores just what it loaded).
    """
    summary = ClassifySummary(model_version=classifier.version)
    summary.above_threshold = {label: 0 for label in (*classifier.labels, OTHER_LANGUAGE)}
    progress = _Progress(f"scoring with {classifier.version}")
    key = _page_key(changed_since)
    pending = _unscored(classifier.version, None, as_of, changed_since, only)
    for page in _pages(session, pending, key):
        for start in range(0, len(page), batch_size):
            item_ids, texts = _texts(session, page[start : start + batch_size])
            scores = classifier.predict_proba(texts)
            _store(session, summary, item_ids, scores, classifier.thresholds, classifier.version)
            summary.items_scored += len(item_ids)
            progress.add(len(item_ids))
    flags = _Progress(f"other-language flags {FLAG_VERSION}")
    unflagged = _unscored(FLAG_VERSION, OTHER_LANGUAGE, as_of, changed_since, only)
    for page in _pages(session, unflagged, key):
        for start in range(0, len(page), batch_size):
            item_ids, texts = _texts(session, page[start : start + batch_size])
            scores = pd.DataFrame({OTHER_LANGUAGE: other_language_scores(texts)})
            _store(session, summary, item_ids, scores, {OTHER_LANGUAGE: THRESHOLD}, FLAG_VERSION)
            summary.items_flagged += len(item_ids)
            flags.add(len(item_ids))
    if progress.done >= PROGRESS_EVERY or flags.done >= PROGRESS_EVERY:
        log.info(
            "%s: done, %d items scored, %d flagged",
            progress.what,
            summary.items_scored,
            summary.items_flagged,
        )
    return summary
