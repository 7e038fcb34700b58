"""Leads' verdicts on the classifier's labels: was each flagged label right, which was missed.

Every alert a lead settles is a label no public dataset has. The form is optional and one
click: it is pre-filled from what the lead just did (a dismissed alert reads as "the label
was wrong", an acknowledged or resolved one as "right"), and the lead only changes what
differs. Verdicts feed retraining (`classifiers.training.retrain`) and the data staff's
live-precision table (`trustwatch.web.services.dashboards.live_precision`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.labels import LABELS
from trustwatch.db.models import Alert, Classification, Item, LabelVerdict, WebUser, utcnow
from trustwatch.errors import UserError
from trustwatch.verdicts import CONFIRMED, DISMISSED, MISSED, SHOULD_BE, VERDICTS

# What the form pre-selects after each alert status: the lead's action is their first answer.
DEFAULT_FOR_STATUS = {"acknowledged": CONFIRMED, "resolved": CONFIRMED, "dismissed": DISMISSED}


@dataclass(frozen=True)
class LabelQuestion:
    """One flagged label on the form, with the answer already recorded or suggested."""

    label: str
    score: float | None
    answer: str  # "", confirmed or dismissed
    should_be: str  # "" or another label
    recorded: bool


@dataclass(frozen=True)
class VerdictForm:
    """What the verdicts partial renders for an alert or an item."""

    item_id: int
    alert_id: int | None
    questions: list[LabelQuestion]
    unflagged: list[str]  # labels the lead can report as missed
    missed: list[str]  # labels already reported as missed
    labels: tuple[str, ...] = LABELS


def _newest_scores(session: Session, item_id: int) -> dict[str, Classification]:
    """The newest classification per label for an item (the version the lead was shown)."""
    rows = session.scalars(
        select(Classification)
        .where(Classification.item_id == item_id)
        .order_by(Classification.classified_at, Classification.classification_id)
    )
    newest: dict[str, Classification] = {}
    for row in rows:
        newest[row.label] = row
    return newest


def existing(session: Session, item_id: int) -> dict[str, LabelVerdict]:
    rows = session.scalars(select(LabelVerdict).where(LabelVerdict.item_id == item_id))
    return {row.label: row for row in rows}


def _flagged(session: Session, item_id: int, alert: Alert | None) -> dict[str, float | None]:
    """Labels the model flagged on the item (newest scores), plus the alert's own label."""
    flagged = {
        label: row.score
        for label, row in _newest_scores(session, item_id).items()
        if row.is_above_threshold and label in LABELS
    }
    if alert is not None and alert.alert_type in LABELS:
        flagged.setdefault(alert.alert_type, alert.score)
    return dict(sorted(flagged.items(), key=lambda kv: LABELS.index(kv[0])))


def form_for(session: Session, *, item_id: int, alert: Alert | None = None) -> VerdictForm:
    """The verdicts partial's content for an item, seen from one of its alerts or not."""
    recorded = existing(session, item_id)
    default = DEFAULT_FOR_STATUS.get(alert.status, "") if alert is not None else ""
    flagged = _flagged(session, item_id, alert)
    questions = []
    for label, score in flagged.items():
        row = recorded.get(label)
        if row is not None and row.verdict != MISSED:
            answer = CONFIRMED if row.verdict == CONFIRMED else DISMISSED
            questions.append(LabelQuestion(label, score, answer, row.should_be or "", True))
        else:
            questions.append(LabelQuestion(label, score, default, "", False))
    missed = sorted((r.label for r in recorded.values() if r.verdict == MISSED), key=LABELS.index)
    return VerdictForm(
        item_id=item_id,
        alert_id=alert.alert_id if alert is not None else None,
        questions=questions,
        unflagged=[lab for lab in LABELS if lab not in flagged and lab not in missed],
        missed=missed,
    )


def _model_version(session: Session, item_id: int, label: str) -> str | None:
    row = _newest_scores(session, item_id).get(label)
    return row.model_version if row is not None else None


def record(
    session: Session,
    *,
    item_id: int,
    label: str,
    verdict: str,
    reviewer: WebUser,
    should_be: str | None = None,
    alert_id: int | None = None,
    now: dt.datetime | None = None,
) -> LabelVerdict:
    """Store (or replace) the verdict on one label of one item, in the caller's transaction."""
    if label not in LABELS:
        raise UserError(f"Unknown label {label!r}: choose one of {', '.join(LABELS)}.")
    if verdict not in VERDICTS:
        raise UserError(f"Unknown verdict {verdict!r}: choose one of {', '.join(VERDICTS)}.")
    if verdict == SHOULD_BE:
        if should_be not in LABELS or should_be == label:
            raise UserError("Say which other label it should have been.")
    else:
        should_be = None
    row = session.scalar(
        select(LabelVerdict).where(LabelVerdict.item_id == item_id, LabelVerdict.label == label)
    )
    if row is None:
        row = LabelVerdict(item_id=item_id, label=label)
        session.add(row)
    row.verdict = verdict
    row.should_be = should_be
    row.reviewer_id = reviewer.user_id
    row.alert_id = alert_id
    row.model_version = _model_version(session, item_id, label)
    row.decided_at = now or utcnow()
    session.flush()
    return row


def record_alert_answers(
    session: Session,
    *,
    alert: Alert,
    reviewer: WebUser,
    answers: dict[str, tuple[str, str]],
) -> list[LabelVerdict]:
    """Store the form's answers: label -> (confirmed|dismissed|"", should-be label or "").

    An unanswered label is skipped (the form is optional); "wrong" with another label named
    is stored as `should_be`, and that other label is not also stored as missed: one
    verdict row per label keeps training targets unambiguous.
    """
    flagged = _flagged(session, alert.item_id, alert)
    stored = []
    for label, (answer, should_be) in answers.items():
        if label not in flagged or not answer:
            continue
        if answer == CONFIRMED:
            verdict = CONFIRMED
        elif answer == DISMISSED:
            verdict = SHOULD_BE if should_be else DISMISSED
        else:
            raise UserError(f"Unknown answer {answer!r} for {label}.")
        stored.append(
            record(
                session,
                item_id=alert.item_id,
                label=label,
                verdict=verdict,
                should_be=should_be or None,
                reviewer=reviewer,
                alert_id=alert.alert_id,
            )
        )
    return stored


def record_missed(session: Session, *, item: Item, label: str, reviewer: WebUser) -> LabelVerdict:
    """Record "the model missed this": the item should have been flagged with `label`."""
    if label in _flagged(session, item.item_id, None):
        raise UserError(f"The model did flag {label} on this item; judge it on the alert instead.")
    return record(session, item_id=item.item_id, label=label, verdict=MISSED, reviewer=reviewer)
