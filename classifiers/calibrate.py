"""Per-label decision thresholds chosen on validation data (never test)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

DEFAULT_THRESHOLD = 0.5


def best_threshold(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Threshold maximising binary macro-F1 (the benchmark metric) on one label's validation."""
    y_true = np.asarray(y_true).astype(int)
    if y_true.size == 0 or y_true.min() == y_true.max():
        return DEFAULT_THRESHOLD
    candidates = np.unique(np.round(np.asarray(scores, dtype=np.float64), 4))
    if candidates.size > 400:
        candidates = np.quantile(candidates, np.linspace(0.0, 1.0, 401))
    best, best_f1 = DEFAULT_THRESHOLD, -1.0
    for threshold in candidates:
        f1 = f1_score(y_true, scores >= threshold, average="macro", zero_division=0)
        if f1 > best_f1:
            best, best_f1 = float(threshold), float(f1)
    return round(best, 4)
