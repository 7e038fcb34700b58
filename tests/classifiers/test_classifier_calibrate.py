"""Threshold choice on validation data: macro-F1, and a recall floor for safeguarding."""

from __future__ import annotations

import numpy as np

from classifiers.training.calibrate import DEFAULT_THRESHOLD, best_threshold, recall_ceiling


def test_threshold_separates_cleanly_separable_scores() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    threshold = best_threshold(y, scores)
    assert 0.3 < threshold <= 0.7
    assert ((scores >= threshold) == y.astype(bool)).all()


def test_one_class_validation_falls_back_to_default() -> None:
    assert best_threshold(np.zeros(5), np.linspace(0, 1, 5)) == DEFAULT_THRESHOLD
    assert best_threshold(np.array([]), np.array([])) == DEFAULT_THRESHOLD


def test_recall_floor_lowers_the_threshold_until_enough_positives_are_flagged() -> None:
    # Two positives hide among low scores: macro-F1 alone would give them up.
    y = np.array([0] * 20 + [1] * 8 + [1, 1])
    scores = np.concatenate([np.linspace(0.05, 0.45, 20), np.linspace(0.8, 0.95, 8), [0.2, 0.3]])
    unconstrained = best_threshold(y, scores)
    floored = best_threshold(y, scores, min_recall=0.9)
    assert ((scores >= unconstrained) & (y == 1)).sum() == 8
    assert floored < unconstrained
    assert ((scores >= floored) & (y == 1)).sum() >= 9


def test_recall_floor_that_is_already_met_changes_nothing() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    assert best_threshold(y, scores, min_recall=0.9) == best_threshold(y, scores)


def test_recall_ceiling_rounds_down_so_the_floor_holds_after_rounding() -> None:
    y = np.array([1, 1, 1, 1, 0])
    scores = np.array([0.91234, 0.81239, 0.71231, 0.11119, 0.5])
    ceiling = recall_ceiling(y, scores, 0.75)
    assert ceiling == 0.7123
    assert ((scores >= ceiling) & (y == 1)).sum() == 3
