"""The declared rule that decides whether a retrained challenger replaces the champion.

Written down before any retraining runs, and stored with every decision (the
`model_versions.rule` column), so a promotion can always be checked against what was
promised. In words:

1. On every evaluation set (the frozen school check sets and the verdicts held out by
   time) and every label that set has both classes of, the challenger's F1 minus the
   champion's is bootstrapped (paired, seeded). A label is *worse beyond its noise band*
   when the whole confidence interval of that difference is below zero and the difference
   is at least `min_drop` (for safeguarding, any size: v4). Any such label refuses the
   challenger. The check sets' rows pooled are one more set (v3): a loss spread thin over
   many sets refuses too.
2. The *target labels* (those named, or else every label the held-out verdicts have both
   classes of) must be better on the held-out verdicts: their mean F1 difference must
   exceed `min_target_gain`. With no held-out verdicts to judge by, the challenger is
   refused: a trust with no evidence keeps the model it has.

A challenger that moved only its heads (`RetrainSettings.heads_only`, S7) and is refused
on some labels gets one second look: the labels clause 1 refuses nowhere
(`Decision.refused_labels`) are composed onto the model it started from and judged by the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

VERDICT_SET = "verdicts_held_out"
CHECKS_POOLED = "check_sets_pooled"
EXAMPLES = 5  # check-set posts named per refused set and label


@dataclass(frozen=True)
class PromotionRule:
    """The promotion rule's parameters (see the module docstring for the rule itself)."""

    name: str = "no-label-worse-beyond-noise, targets-better (v4)"
    confidence: float = 0.90
    resamples: int = 400
    min_drop: float = 0.02
    # Labels a certain loss refuses on at any size, the floor above waived (v4, S8): a
    # disclosure missed is never a trifle.
    no_floor_labels: tuple[str, ...] = ("safeguarding",)
    # A set with fewer positives of a label than this cannot refuse on it (v2, S3): resamples
    # without both classes are skipped, so with one positive that row alone decides.
    min_positives: int = 5
    min_target_gain: float = 0.0
    target_labels: tuple[str, ...] = ()
    seed: int = 13

    def as_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["target_labels"] = list(self.target_labels)
        record["no_floor_labels"] = list(self.no_floor_labels)
        return record


@dataclass(frozen=True)
class LabelComparison:
    """One label on one evaluation set: both models' F1 and the bootstrapped difference."""

    n: int
    positives: int
    champion_f1: float
    challenger_f1: float
    diff: float
    low: float
    high: float
    # Rows whose decision changed: what a reader of a refusal needs beyond two F1 figures.
    new_false_alarms: int = 0
    new_misses: int = 0
    put_right: int = 0
    # Up to `EXAMPLES` check-set posts the challenger newly gets wrong (never a trust's own
    # items: `retrain.compare` passes texts for the hand-written sets only).
    examples: tuple[str, ...] = field(default=(), repr=False)

    @property
    def worse_beyond_noise(self) -> bool:
        return self.high < 0.0

    def changes(self) -> str:
        return (
            f"{self.new_false_alarms} new false alarms, {self.new_misses} new misses, "
            f"{self.put_right} put right"
        )

    def as_record(self) -> dict[str, float | int]:
        record = {k: v for k, v in asdict(self).items() if k != "examples"}
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in record.items()}


def _f1(y: np.ndarray, predicted: np.ndarray) -> float:
    return float(f1_score(y, predicted, average="binary", zero_division=0))


def compare_label(
    y: np.ndarray,
    champion: np.ndarray,
    challenger: np.ndarray,
    rule: PromotionRule,
    texts: Sequence[str] | None = None,
) -> LabelComparison:
    """Both models' decisions (booleans) against the truth, with a paired bootstrap CI.

    Given `texts`, the first `EXAMPLES` rows the challenger newly gets wrong are kept.
    """
    y = np.asarray(y).astype(int)
    champion = np.asarray(champion).astype(int)
    challenger = np.asarray(challenger).astype(int)
    lost = (challenger != y) & (champion == y)
    alarms, misses = lost & (y == 0), lost & (y == 1)
    put_right = int(((challenger == y) & (champion != y)).sum())
    examples = (
        tuple(
            f"{'false alarm' if y[i] == 0 else 'missed'}: {texts[i]}"
            for i in np.flatnonzero(lost)[:EXAMPLES]
        )
        if texts is not None
        else ()
    )
    base, new = _f1(y, champion), _f1(y, challenger)
    rng = np.random.default_rng(rule.seed)
    diffs = []
    for _ in range(rule.resamples):
        pick = rng.integers(0, y.size, y.size)
        if y[pick].min() == y[pick].max():
            continue
        diffs.append(_f1(y[pick], challenger[pick]) - _f1(y[pick], champion[pick]))
    tail = (1.0 - rule.confidence) / 2.0
    low, high = (
        (float(np.quantile(diffs, tail)), float(np.quantile(diffs, 1.0 - tail)))
        if diffs
        else (new - base, new - base)
    )
    return LabelComparison(
        int(y.size),
        int(y.sum()),
        base,
        new,
        new - base,
        low,
        high,
        int(alarms.sum()),
        int(misses.sum()),
        put_right,
        examples,
    )


@dataclass
class Decision:
    """The rule's verdict, with every figure it looked at."""

    promote: bool
    reasons: list[str]
    figures: dict[str, dict[str, dict[str, float | int]]]
    target_labels: list[str]
    # The labels clause 1 refused on some set: what a per-label composite must leave alone.
    refused_labels: list[str] = field(default_factory=list)
    # Per refused set and label, check-set posts the challenger newly got wrong.
    examples: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        return {
            "promote": self.promote,
            "reasons": self.reasons,
            "target_labels": self.target_labels,
            "refused_labels": self.refused_labels,
            "figures": self.figures,
            "examples": self.examples,
        }


def refuses(label: str, c: LabelComparison, rule: PromotionRule) -> bool:
    """Clause 1 for one label on one set."""
    floor = 0.0 if label in rule.no_floor_labels else rule.min_drop
    return c.positives >= rule.min_positives and c.worse_beyond_noise and c.diff <= -floor


def decide(
    comparisons: dict[str, dict[str, LabelComparison]],
    rule: PromotionRule,
    target_set: str | None = VERDICT_SET,
) -> Decision:
    """Apply the rule to per-set, per-label comparisons.

    `target_set` names the set the target clause reads: the held-out verdicts when a trust
    retrains, or another held-out validation set when the shipped model itself is rebuilt;
    None drops the target clause (a refit whose held-out rows were trained on).
    """
    reasons: list[str] = []
    refused: set[str] = set()
    examples: dict[str, dict[str, list[str]]] = {}
    for set_name, labels in comparisons.items():
        for label, c in labels.items():
            if refuses(label, c, rule):
                refused.add(label)
                reasons.append(
                    f"{label} is worse on {set_name}: F1 {c.champion_f1:.3f} -> "
                    f"{c.challenger_f1:.3f} (CI of the change {c.low:+.3f}..{c.high:+.3f}; "
                    f"{c.changes()})"
                )
                if c.examples:
                    examples.setdefault(set_name, {})[label] = list(c.examples)
    held_out = comparisons.get(target_set, {}) if target_set else {}
    targets = [t for t in (rule.target_labels or tuple(held_out)) if t in held_out]
    if target_set is None:
        pass
    elif not targets:
        reasons.append(
            f"no {target_set} rows of both kinds for any target label: nothing to judge by"
        )
    else:
        gain = float(np.mean([held_out[t].diff for t in targets]))
        if gain <= rule.min_target_gain:
            reasons.append(
                f"target labels ({', '.join(targets)}) not better on {target_set}: "
                f"mean F1 change {gain:+.3f}"
            )
    figures = {
        set_name: {label: c.as_record() for label, c in labels.items()}
        for set_name, labels in comparisons.items()
    }
    return Decision(not reasons, reasons, figures, targets, sorted(refused), examples)
