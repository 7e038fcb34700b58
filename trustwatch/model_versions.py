"""Retrained model versions in the warehouse: retrain, promote, refuse, roll back, rescore.

`classifiers.training.retrain` builds and judges a challenger; this module feeds it the
leads' verdicts, records every decision as a `model_versions` row (lineage, the declared
rule, the figures, the model card), moves the serving pointer (`classifiers.active`) and
rescores the open casework with the version now serving, so a lead's queue reflects it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustwatch.db.models import Alert, AuditLog, Item, ModelVersion
from trustwatch.errors import UserError
from trustwatch.verdicts import verdict_rows

ACTOR = "model-retrain"
OPEN_STATUSES = ("open", "acknowledged")


@dataclass
class RetrainOutcome:
    """What one retraining run decided, for the CLI, the DAG's XCom and the audit row."""

    status: str  # promoted, refused or skipped
    verdicts: int
    version: str | None = None
    reasons: list[str] = field(default_factory=list)
    rescored: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "verdicts": self.verdicts,
            "version": self.version,
            "reasons": self.reasons,
            "rescored": self.rescored,
            "seconds": self.seconds,
        }


def load_verdicts(session: Session) -> list[Any]:
    """Every verdict-labelled item whose text is still held, as retraining reads it."""
    from classifiers.training.retrain import VerdictItem

    return [VerdictItem(r.text, r.decided_at, r.targets) for r in verdict_rows(session)]


def open_item_ids(session: Session) -> list[int]:
    """Items with an open or acknowledged alert: the casework a new model must rescore."""
    stmt = (
        select(Alert.item_id)
        .join(Item, Item.item_id == Alert.item_id)
        .where(Alert.status.in_(OPEN_STATUSES), Item.text_purged_at.is_(None))
        .distinct()
    )
    return sorted(session.scalars(stmt))


def rescore_open_items(session: Session, artefact_dir: Path) -> int:
    """Score the open casework with the artefact now serving; returns items scored."""
    from classifiers.inference import TransformerClassifier
    from classifiers.job import classify_item_ids

    classifier = TransformerClassifier(artefact_dir)
    return classify_item_ids(session, classifier, open_item_ids(session)).items_scored


def _audit(session: Session, action: str, target: str | None, detail: dict[str, Any], now) -> None:
    session.add(
        AuditLog(
            actor=ACTOR,
            action=action,
            target_type="model_version",
            target_id=target,
            detail=detail,
            at=now,
        )
    )


def _retire_active(session: Session, now: dt.datetime) -> None:
    for row in session.scalars(select(ModelVersion).where(ModelVersion.status == "active")):
        row.status = "retired"
        row.retired_at = now


def retrain(
    session: Session,
    *,
    now: dt.datetime,
    settings: Any = None,
    rule: Any = None,
    data_dir: Path | None = None,
    rescore: bool = True,
) -> RetrainOutcome:
    """Build a challenger from the shipped adapter and the verdicts; promote it if the rule says.

    Runs in the caller's transaction; the artefact of a refused challenger is deleted (its
    row keeps the figures), a promoted one moves to `<var>/models/<version>/`.
    """
    from classifiers.active import active_artefact, models_dir, set_active, shipped_artefact
    from classifiers.artefact import artefact_version
    from classifiers.training.promotion import PromotionRule
    from classifiers.training.retrain import (
        RetrainSettings,
        build_challenger,
        composite_dir,
        fallback_dir,
        judge,
        model_card,
        second_look,
        split_by_time,
    )

    settings = settings or RetrainSettings()
    rule = rule or PromotionRule()
    started = dt.datetime.now(dt.UTC)
    verdicts = load_verdicts(session)
    if len(verdicts) < settings.min_verdicts:
        reason = f"{len(verdicts)} verdict-labelled items, fewer than {settings.min_verdicts}"
        _audit(session, "model.retrain.skipped", None, {"reason": reason}, now)
        return RetrainOutcome("skipped", len(verdicts), reasons=[reason])
    train, held_out, holdout_from = split_by_time(verdicts, settings.holdout_fraction)
    building = first = models_dir() / f"building-{now.strftime('%Y%m%dT%H%M%S')}"
    looks = (fallback_dir(building), composite_dir(building), composite_dir(fallback_dir(building)))
    for leftover in (building, *looks):
        shutil.rmtree(leftover, ignore_errors=True)
    challenger = build_challenger(shipped_artefact(), building, train, settings, data_dir)
    champion_dir = active_artefact()
    champion = artefact_version(champion_dir)
    decision = judge(champion_dir, building, held_out, rule, settings.check_sets)
    # A refused challenger's second looks (S5 fallback, S7 labels), each by the same rule.
    while (look := second_look(shipped_artefact(), challenger, decision)) is not None:
        shutil.rmtree(building, ignore_errors=True)
        challenger, building = look, look.path
        decision = judge(champion_dir, building, held_out, rule, settings.check_sets)
    if building != fallback_dir(first):
        shutil.rmtree(fallback_dir(first), ignore_errors=True)  # a fallback never looked at
    lineage = {
        **challenger.lineage,
        "holdout_from": holdout_from.isoformat() if holdout_from else None,
        "verdict_items_held_out": len(held_out),
        "champion": champion,
    }
    card = model_card(challenger.version, lineage, rule, decision, champion)
    known = session.get(ModelVersion, challenger.version)
    if known is not None and known.status != "refused":
        # The same data and seed rebuilt a version already promoted: it cannot beat itself,
        # and its row (the serving or a retired model) must not be overwritten.
        shutil.rmtree(building, ignore_errors=True)
        reasons = [f"identical to version {known.version} ({known.status}): no new evidence"]
        outcome = RetrainOutcome("refused", len(verdicts), challenger.version, reasons)
        _audit(session, "model.retrain.refused", challenger.version, outcome.as_dict(), now)
        return outcome
    row = known or ModelVersion(version=challenger.version)
    row.base_version = lineage["started_from"]
    row.verdict_count = len(train)
    row.lineage, row.rule, row.figures = lineage, rule.as_record(), decision.as_record()
    row.model_card, row.created_at = card, now
    row.status, row.artefact_path = "refused", ""
    session.add(row)
    outcome = RetrainOutcome(
        "promoted" if decision.promote else "refused",
        len(verdicts),
        challenger.version,
        decision.reasons,
    )
    if decision.promote:
        session.flush()
        final = models_dir() / challenger.version
        shutil.rmtree(final, ignore_errors=True)
        building.rename(final)
        (final / "MODEL_CARD.md").write_text(card, encoding="utf-8")
        _retire_active(session, now)
        row.status, row.artefact_path, row.promoted_at, row.retired_at = (
            "active",
            str(final),
            now,
            None,
        )
        session.flush()
        set_active(challenger.version, final)
        if rescore:
            outcome.rescored = rescore_open_items(session, final)
    else:
        shutil.rmtree(building, ignore_errors=True)
    outcome.seconds = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1)
    _audit(session, f"model.retrain.{outcome.status}", challenger.version, outcome.as_dict(), now)
    session.flush()
    return outcome


def rollback(
    session: Session, *, version: str, actor: str, now: dt.datetime, rescore: bool = True
) -> int:
    """Serve `version` again (a previously promoted one, or `shipped`); returns items rescored."""
    from classifiers.active import SHIPPED, set_active, shipped_artefact

    if version == SHIPPED:
        path = None
    else:
        row = session.get(ModelVersion, version)
        if row is None or row.status == "refused" or not row.artefact_path:
            raise UserError(
                f"VERSION {version!r} was never promoted. Fix: pick one listed as active or "
                f"retired by `trustwatch model versions`, or `{SHIPPED}` for the committed model."
            )
        path = Path(row.artefact_path)
        if not (path / "config.json").is_file():
            raise UserError(f"VERSION {version}: its artefact folder {path} is missing.")
    _retire_active(session, now)
    if path is not None:
        row.status, row.promoted_at, row.retired_at = "active", now, None
    session.flush()
    set_active(version, path)
    rescored = rescore_open_items(session, path or shipped_artefact()) if rescore else 0
    session.add(
        AuditLog(
            actor=actor,
            action="model.rollback",
            target_type="model_version",
            target_id=version,
            detail={"rescored": rescored},
            at=now,
        )
    )
    session.flush()
    return rescored


def versions(session: Session) -> list[ModelVersion]:
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.created_at)))
