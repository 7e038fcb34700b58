"""Per-label decision thresholds chosen on validation data (never test)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

DEFAULT_THRESHOLD = 0.5


def best_threshold(
    y_true: np.ndarray, scores: np.ndarray, min_recall: float | None = None
) -> float:
    """Threshold maximising binary macro-F1 (the benchmark metric) on one label's validation.

    With `min_recall`, only thresholds that keep at least that share of the validation
    positives are considered. Safeguarding uses this: a missed disclosure costs a child far
    more than a false alarm costs a safeguarding lead, so F1's even trade is the wrong one.
    """
    y_true = np.asarray(y_true).astype(int)
    scores = np.asarray(scores, dtype=np.float64)
    if y_true.size == 0 or y_true.min() == y_true.max():
        return DEFAULT_THRESHOLD
    candidates = np.unique(np.round(scores, 4))
    if candidates.size > 400:
        candidates = np.quantile(candidates, np.linspace(0.0, 1.0, 401))
    if min_recall is not None:
        candidates = candidates[candidates <= recall_ceiling(y_true, scores, min_recall)]
    best, best_f1 = DEFAULT_THRESHOLD, -1.0
    for threshold in candidates:
        f1 = f1_score(y_true, scores >= threshold, average="macro", zero_division=0)
        if f1 > best_f1:
            best, best_f1 = float(threshold), float(f1)
    return round(best, 4)


def recall_ceiling(y_true: np.ndarray, scores: np.ndarray, min_recall: float) -> float:
    """The highest threshold (4 decimals, rounded down) that still flags min_recall of positives."""
    positives = np.sort(np.asarray(scores, dtype=np.float64)[np.asarray(y_true) == 1])[::-1]
    needed = max(1, int(np.ceil(min_recall * positives.size)))
    return float(np.floor(positives[needed - 1] * 10_000) / 10_000)
