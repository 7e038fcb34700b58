"""The identity-term summary counts hate flags per kind of check-set row."""

from __future__ import annotations

import pandas as pd

from classifiers.text import normalise
from classifiers.training.evaluate import identity_term_summary
from classifiers.training.school import identity_check


def _table(check: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame({"text": check["text"].map(normalise), "hate": check["hate"]})
    table["source"], table["split"] = "identity_check", "test"
    other = pd.DataFrame(
        {"text": ["elsewhere"], "hate": [1.0], "source": ["olid"], "split": ["val"]}
    )
    return pd.concat([other, table], ignore_index=True)


def test_a_perfect_scorer_flags_only_the_attacks() -> None:
    check = identity_check()
    table = _table(check)
    scores = pd.DataFrame({"hate": table["hate"].astype(float)})
    summary = identity_term_summary(table, scores, 0.5)
    expected = check.groupby("kind").size().to_dict()
    assert {kind: entry["n"] for kind, entry in summary.items()} == expected
    assert summary["hate"]["flagged"] == expected["hate"]
    assert all(entry["flagged"] == 0 for kind, entry in summary.items() if kind != "hate")


def test_an_identity_word_scorer_shows_the_bias() -> None:
    """Flagging every row is what a model keyed on the identity word does: all kinds light up."""
    check = identity_check()
    table = _table(check)
    scores = pd.DataFrame({"hate": [0.9] * len(table)})
    summary = identity_term_summary(table, scores, 0.5)
    assert all(entry["flagged"] == entry["n"] for entry in summary.values())


def test_sampled_rows_are_matched_by_text_not_position() -> None:
    check = identity_check()
    sample = check.sample(n=15, random_state=3)
    table = _table(sample)
    scores = pd.DataFrame({"hate": table["hate"].astype(float)})
    summary = identity_term_summary(table, scores, 0.5)
    assert sum(entry["n"] for entry in summary.values()) == 15
    assert summary.get("hate", {"flagged": 0})["flagged"] == int(sample["hate"].sum())


def test_no_identity_rows_no_summary() -> None:
    table = pd.DataFrame({"text": ["a"], "hate": [0.0], "source": ["olid"], "split": ["val"]})
    assert identity_term_summary(table, pd.DataFrame({"hate": [0.1]}), 0.5) == {}
