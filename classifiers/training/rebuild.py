"""Rebuilding the shipped model from itself with the school-world rows, judged on validation.

Retraining (`classifiers.training.retrain`) is how a trust's model learns its verdicts; the
same machinery also refreshes the *shipped* model when the project adds hand-written rows,
rules or normalisation that only a retrained artefact carries (issue 20). This module only
chooses the settings and the evaluation sets; building and judging are retraining's own
`build_challenger`, `compare` and the promotion rule's `decide`, so there is one pipeline.

What decides is validation data, never a check set or a test split: each public validation
split and the school rows' validation quarter (no label worse beyond its noise band), and a
seeded fold of the school-world rows held out from training (the target clause). The rule
is written down in docs/classifier-experiments.md before any run.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from classifiers.active import shipped_artefact
from classifiers.inference import TransformerClassifier
from classifiers.labels import LABELS
from classifiers.training.data import SplitConfig
from classifiers.training.promotion import Decision, PromotionRule, decide
from classifiers.training.retrain import Challenger, RetrainSettings, build_challenger, compare
from classifiers.training.school import world_train_split

WORLD_FOLD = "world_fold"
WORLD_HOLDOUT = 0.25


def rebuild_settings(hold_out_world: bool, threads: int = 1, **tuned: Any) -> RetrainSettings:
    """Retraining's defaults, with clean validation kept out and thresholds set on it.

    `tuned` overrides these by name (steps, public_per_source, world_weight, blend, or
    thresholds_from_validation=False to keep the starting model's thresholds): a rebuild adds
    many more rows than a week's verdicts, so it may need more steps.
    """
    clean = replace(
        RetrainSettings(),
        threads=threads,
        school_val_rows=False,
        world_holdout=WORLD_HOLDOUT if hold_out_world else 0.0,
        thresholds_from_validation=True,
    )
    return replace(clean, **tuned)


def rebuild(
    data_dir: Path,
    out_dir: Path,
    hold_out_world: bool,
    threads: int = 1,
    start_from: Path | None = None,
    **tuned: Any,
) -> Challenger:
    """Fine-tune the shipped adapter (or `start_from`, e.g. the shipped weights moved to a
    later reading mode, C22) on public + school rows (no verdicts); write `out_dir`."""
    settings = rebuild_settings(hold_out_world, threads, **tuned)
    base = Path(start_from) if start_from is not None else shipped_artefact()
    return build_challenger(base, Path(out_dir), [], settings, Path(data_dir))


def validation_sets(data_dir: Path, with_world_fold: bool) -> dict[str, pd.DataFrame]:
    """Each public validation split, the school validation quarter and the world fold."""
    from classifiers.training.evaluate import evaluation_table

    table = evaluation_table(Path(data_dir), SplitConfig())
    val = table[table["split"] == "val"]
    sets = {
        f"{source}_val": rows[["text", *LABELS]].reset_index(drop=True)
        for source, rows in val.groupby("source", sort=True)
    }
    if with_world_fold:
        fold = world_train_split(13, WORLD_HOLDOUT)[1]
        sets[WORLD_FOLD] = fold[["text", *LABELS]]
    return sets


def pooled_validation(model: TransformerClassifier, data_dir: Path) -> dict[str, Any]:
    """Pooled-validation macro-F1 per task at the model's thresholds (recorded, not a gate)."""
    from classifiers.training.evaluate import evaluation_table, validation_summary

    table = evaluation_table(Path(data_dir), SplitConfig())
    val = table[table["split"] == "val"].reset_index(drop=True)
    scores = model.predict_tasks(val["text"].tolist())
    thresholds = {task: float(model.config["thresholds"][task]) for task in model.tasks}
    return validation_summary(val, scores, thresholds)


def judge_on_validation(
    challenger_dir: Path,
    data_dir: Path,
    with_world_fold: bool,
    champion_dir: Path | None = None,
) -> tuple[Decision, dict[str, Any]]:
    """The declared rule's clauses 1 and 2 (2b: fold recall), and pooled validation."""
    champion = TransformerClassifier(champion_dir or shipped_artefact(), precision="fp32")
    challenger = TransformerClassifier(challenger_dir, precision="fp32")
    # The rebuild keeps the floor on every label (its safeguarding guard is clause 3's
    # disclosures); v4's waiver (S8) was declared for the weekly retrain.
    rule = PromotionRule(
        name="shipped rebuild: no validation label worse, world fold better", no_floor_labels=()
    )
    sets = validation_sets(data_dir, with_world_fold)
    decision = decide(
        compare(champion, challenger, sets, rule),
        rule,
        target_set=WORLD_FOLD if with_world_fold else None,
    )
    pooled = {
        "champion": pooled_validation(champion, data_dir),
        "challenger": pooled_validation(challenger, data_dir),
    }
    if with_world_fold:
        fold = sets[WORLD_FOLD]
        recalls = {
            name: safeguarding_recall(model, fold)
            for name, model in (("champion", champion), ("challenger", challenger))
        }
        pooled[f"{WORLD_FOLD}_safeguarding_recall"] = recalls
        decision = with_recall_clause(decision, recalls["champion"], recalls["challenger"])
    return decision, pooled


def safeguarding_recall(model: TransformerClassifier, rows: pd.DataFrame) -> float:
    """Share of the rows' safeguarding positives the model flags, at its own threshold."""
    positives = rows[rows["safeguarding"] == 1]
    if positives.empty:
        return 1.0
    flagged = model.predict(positives["text"].tolist())["safeguarding"].to_numpy()
    return round(float(flagged.mean()), 4)


def with_recall_clause(decision: Decision, champion: float, challenger: float) -> Decision:
    """Clause 2b: safeguarding recall on the world fold may not fall below the champion's.

    A missed disclosure is the costliest error, so F1 gained elsewhere (often precision)
    cannot buy a lower recall. Until C6 this clause was checked by hand.
    """
    if challenger >= champion:
        return decision
    reason = f"safeguarding recall on {WORLD_FOLD} is lower: {champion:.3f} -> {challenger:.3f}"
    return replace(decision, promote=False, reasons=[*decision.reasons, reason])
