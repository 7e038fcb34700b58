"""Disguised spellings: how the abuse head's decisions are measured against them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifiers.text import RESPELLED_WORDS, deobfuscate
from classifiers.training.model_card import _robustness_lines
from classifiers.training.respellings_independent import RESPELLINGS_INDEPENDENT
from classifiers.training.robustness import (
    INSULTS,
    RESPELLINGS,
    VARIANTS,
    disguise,
    robustness_rows,
    spelling_robustness,
)


def test_each_disguise_rewrites_only_the_insults() -> None:
    text = "You Stupid BITCH, see you at the match"
    assert disguise(text, "leet") == "You Stup1d B1TCH, see you at the match"
    assert disguise(text, "masked") == "You St*pid B*TCH, see you at the match"
    assert disguise(text, "held") == "You Stupidddd BITCHHHH, see you at the match"
    assert disguise(text, "spaced") == "You S t u p i d B I T C H, see you at the match"
    assert disguise(text, "respelled") == "You stoopid biatch, see you at the match"
    for variant in VARIANTS:
        assert disguise("Thanks for a lovely sports day", variant) == (
            "Thanks for a lovely sports day"
        )


def test_the_independent_respellings_are_apart_from_the_measured_and_the_restored() -> None:
    """C16's out-of-sample figure: the second list takes none of the first's spellings, and
    its first choices (the ones measured) include spellings `characters-4` does not restore."""
    assert set(RESPELLINGS_INDEPENDENT) <= set(INSULTS)
    spellings = {s for options in RESPELLINGS_INDEPENDENT.values() for s in options}
    assert not spellings & set(RESPELLINGS.values())
    firsts = {options[0] for options in RESPELLINGS_INDEPENDENT.values()}
    restored = {s for options in RESPELLED_WORDS.values() for s in options}
    assert firsts - restored
    assert disguise("You Stupid BITCH", "respelled_independent") == "You stupit bish"


def test_a_word_without_a_respelling_is_left_as_written() -> None:
    """Case is kept where nothing changes, so the row is not counted as disguised."""
    assert disguise("What an Idiot", "respelled") == "What an Idiot"


def test_character_normalisation_sees_through_digits_and_stars_but_not_spacing() -> None:
    text = "shut up you stupid bitch"
    assert deobfuscate(disguise(text, "leet")) == text
    assert deobfuscate(disguise(text, "masked")) == "shut up you st*pid bitch"
    assert deobfuscate(disguise(text, "spaced")) != text


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": [
                "@Millbrook_Mum you stupid bitch",  # offensive, an insult: measured
                "@Millbrook_Mum this is shit",  # offensive, an insult: measured
                "@Millbrook_Mum go away",  # offensive, no known insult: left out
                "@Millbrook_Mum you are a lovely person, bitch",  # not offensive: left out
                "what a dumb whore she is",  # gender attack with an insult: measured
                "stupid muslims",  # another kind: left out
                "you stupid bitch",  # validation row: left out
            ],
            "source": ["olid_a"] * 4 + ["cyberbullying"] * 2 + ["olid_a"],
            "split": ["test"] * 6 + ["val"],
            "abuse": [1.0, 1.0, 1.0, 0.0, np.nan, np.nan, 1.0],
            "kind": [None] * 4 + ["gender", "religion", None],
        }
    )


def test_rows_are_abusive_public_test_rows_with_a_known_insult() -> None:
    rows = robustness_rows(_table())
    assert rows["slice"].tolist() == ["offensive", "offensive", "misogyny"]
    assert rows["text"].tolist() == [
        "@Millbrook_Mum you stupid bitch",
        "@Millbrook_Mum this is shit",
        "what a dumb whore she is",
    ]


@pytest.mark.slow
def test_the_committed_model_reads_digit_disguises_as_written(model) -> None:
    """With character normalisation the leet form is the same text to the model, so the
    decision cannot change; the figures without it score the disguise itself."""
    summary = spelling_robustness(model, _table(), model.thresholds["abuse"])
    assert summary is not None and summary["normalisation"] is True
    offensive = summary["slices"]["offensive"]
    assert offensive["n"] == 2
    assert offensive["leet"]["n"] == 2
    assert offensive["leet"]["recall_disguised"] == offensive["leet"]["recall_as_written"]
    assert set(offensive["spaced"]) == {
        "n",
        "recall_as_written",
        "recall_disguised",
        "recall_disguised_without_normalisation",
    }
    leet_score = model.predict_tasks([disguise("you stupid bitch", "leet")])["abuse"].iloc[0]
    assert leet_score == pytest.approx(model.predict_tasks(["you stupid bitch"])["abuse"].iloc[0])
    assert summary["slices"]["misogyny"]["n"] == 1


def test_the_card_says_what_each_disguise_costs() -> None:
    metrics = {
        "spelling_robustness": {
            "threshold": 0.5265,
            "normalisation": True,
            "slices": {
                "offensive": {
                    "n": 55,
                    "recall": 0.9636,
                    "spaced": {
                        "n": 55,
                        "recall_as_written": 0.9636,
                        "recall_disguised": 0.4,
                        "recall_disguised_without_normalisation": 0.4,
                    },
                }
            },
        }
    }
    (line,) = [line for line in _robustness_lines(metrics) if line]
    assert "offensive OLID A test posts with a known insult (n=55, recall 0.96)" in line
    assert "spaced 0.96 -> 0.40 (0.40 without it) (n=55)" in line
