"""The benchmark protocol: each dataset's own validation split sets its test threshold."""

from __future__ import annotations

import pandas as pd

from classifiers.training.evaluate import TestSet as Benchmark
from classifiers.training.evaluate import benchmark_protocol


def _table() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two sources whose scores live on different scales, plus a test split for the first."""
    rows = []
    # Source "a": positives score above 0.8 on validation and test.
    rows += [("a", "val", 0.0, s) for s in (0.5, 0.6, 0.7)]
    rows += [("a", "val", 1.0, s) for s in (0.85, 0.9, 0.95)]
    rows += [("a", "test", 0.0, s) for s in (0.55, 0.65, 0.75)]
    rows += [("a", "test", 1.0, s) for s in (0.86, 0.9, 0.99)]
    # Source "b": everything scores low; pooled with "a" it would drag the threshold down.
    rows += [("b", "val", 0.0, s) for s in (0.01, 0.02, 0.03)]
    rows += [("b", "val", 1.0, s) for s in (0.1, 0.2, 0.3)]
    table = pd.DataFrame(rows, columns=["source", "split", "hate", "score"])
    table["text"] = [f"t{i}" for i in range(len(table))]
    return table, table[["score"]].rename(columns={"score": "hate"})


def test_threshold_comes_from_the_same_sources_validation_only() -> None:
    table, scores = _table()
    test_rows = (table["split"] == "test") & (table["source"] == "a")
    entry = benchmark_protocol(Benchmark("a_hate", "a", "hate", "A", "a"), table, scores, test_rows)
    assert entry is not None
    assert 0.7 < entry["threshold"] <= 0.85
    assert entry["validation_source"] == "a" and entry["validation_n"] == 6
    assert entry["macro_f1"] == 1.0 and entry["n"] == 6


def test_test_labels_never_move_the_threshold() -> None:
    table, scores = _table()
    test_rows = (table["split"] == "test") & (table["source"] == "a")
    flipped = table.copy()
    flipped.loc[test_rows, "hate"] = 1.0 - flipped.loc[test_rows, "hate"]
    test = Benchmark("a_hate", "a", "hate", "A", "a")
    first = benchmark_protocol(test, table, scores, test_rows)
    second = benchmark_protocol(test, flipped, scores, test_rows)
    assert first is not None and second is not None
    assert first["threshold"] == second["threshold"]
    assert second["macro_f1"] == 0.0


def test_no_protocol_without_both_classes_in_validation() -> None:
    table, scores = _table()
    table = table[~((table["source"] == "a") & (table["split"] == "val") & (table["hate"] == 1))]
    scores = scores.loc[table.index].reset_index(drop=True)
    table = table.reset_index(drop=True)
    test_rows = (table["split"] == "test") & (table["source"] == "a")
    test = Benchmark("a_hate", "a", "hate", "A", "a")
    assert test_rows.sum() == 6  # test rows remain; only validation lacks positives
    assert benchmark_protocol(test, table, scores, test_rows) is None
