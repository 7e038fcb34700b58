"""School posts in other languages: hand-written rows, kept apart, and the summary that counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifiers.labels import LABELS
from classifiers.training.evaluate import multilingual_summary
from classifiers.training.school import (
    SCHOOL_DIR,
    multilingual_check,
    multilingual_check_tasks,
)

TRAIN_FILES = ("train.csv", "identity_train.csv", "multilingual_train.csv")
CHECK_FILES = ("check.csv", "identity_check.csv", "multilingual_check.csv")


@pytest.mark.parametrize("name", ["multilingual_train.csv", "multilingual_check.csv"])
def test_multilingual_files_are_labelled_and_spread_over_languages(name: str) -> None:
    frame = pd.read_csv(SCHOOL_DIR / name, dtype={"text": str, "language": str})
    assert list(frame.columns) == ["text", "language", *LABELS]
    assert frame[list(LABELS)].isin([0, 1]).all().all()
    assert frame["text"].is_unique and frame["language"].notna().all()
    assert frame[list(LABELS)].sum().min() >= 5  # every label has positives to learn/measure
    harmless = frame[list(LABELS)].sum(axis=1) == 0
    assert harmless.mean() >= 0.5  # mostly what parents actually write: harmless posts
    shares = frame["language"].value_counts(normalize=True)
    assert len(shares) >= 12 and shares.max() <= 0.2
    assert not frame["language"].eq("english").any()


def _texts(names: tuple[str, ...]) -> pd.Series:
    return pd.concat([pd.read_csv(SCHOOL_DIR / n)["text"] for n in names], ignore_index=True)


def test_multilingual_rows_are_not_near_copies_across_train_and_check() -> None:
    """Each file was written by a helper briefed not to open the other side's files.

    `multilingual_train.csv` (harmless posts, complaints, disclosures and attacks in other
    languages) is written for a training experiment and not yet used by training; the check
    set must stay independent of it all the same.

    The same character 3-5-gram TF-IDF cut as the identity rows (cosine below 0.45) keeps a
    check row paraphrased into training, in either direction, from measuring memory.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    trained, checks = _texts(TRAIN_FILES), _texts(CHECK_FILES)
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    vectoriser.fit(pd.concat([trained, checks], ignore_index=True))
    pairs = [
        (pd.read_csv(SCHOOL_DIR / "multilingual_train.csv")["text"], checks),
        (trained, pd.read_csv(SCHOOL_DIR / "multilingual_check.csv")["text"]),
    ]
    for left, right in pairs:
        similarity = (vectoriser.transform(left) @ vectoriser.transform(right).T).toarray()
        assert similarity.max() < 0.45


def test_multilingual_check_is_test_only_and_fully_annotated() -> None:
    tasks = multilingual_check_tasks()
    assert set(tasks["source"]) == {"multilingual_check"} and set(tasks["split"]) == {"test"}
    assert tasks[list(LABELS)].notna().all().all()
    assert len(tasks) == len(multilingual_check())


def _check_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    tasks = multilingual_check_tasks()
    other = pd.DataFrame({"text": ["elsewhere"], "source": ["olid"], "split": ["val"]})
    for label in LABELS:
        other[label] = 1.0
    return pd.concat([other, tasks], ignore_index=True), multilingual_check()


def test_a_perfect_scorer_flags_no_harmless_post_and_finds_every_positive() -> None:
    table, check = _check_table()
    scores = table[list(LABELS)].fillna(0.0).astype(float)
    summary = multilingual_summary(table, scores, dict.fromkeys(LABELS, 0.5))
    harmless = int((check[list(LABELS)].sum(axis=1) == 0).sum())
    assert summary["harmless"]["n"] == harmless and summary["harmless"]["flagged_any"] == 0
    assert all(count == 0 for count in summary["harmless"]["flagged"].values())
    for label in LABELS:
        n = int(check[label].sum())
        assert summary["positives"][label] == {"n": n, "found": n, "reach_a_person": n}
    by_language = summary["harmless"]["by_language"]
    assert sum(entry["n"] for entry in by_language.values()) == harmless
    assert set(by_language) == set(check["language"])


def test_a_scorer_that_flags_hate_everywhere_shows_every_harmless_post() -> None:
    table, check = _check_table()
    scores = pd.DataFrame({label: np.zeros(len(table)) for label in LABELS})
    scores["hate"] = 0.9
    summary = multilingual_summary(table, scores, dict.fromkeys(LABELS, 0.5))
    harmless = summary["harmless"]
    assert harmless["flagged_any"] == harmless["flagged"]["hate"] == harmless["n"]
    assert harmless["flagged"]["abuse"] == 0
    assert summary["positives"]["hate"]["found"] == int(check["hate"].sum())
    assert summary["positives"]["complaint"]["found"] == 0
    # Complaints the model missed still reach a person when written in another language.
    flagged_language = summary["other_language_flagged"]["flagged"]
    assert 0 < flagged_language <= summary["other_language_flagged"]["n"] == len(check)
    assert 0 < summary["positives"]["complaint"]["reach_a_person"] <= int(check["complaint"].sum())


def test_no_check_rows_no_summary() -> None:
    table = pd.DataFrame({"text": ["x"], "source": ["olid"], "split": ["test"]})
    for label in LABELS:
        table[label] = 0.0
    assert multilingual_summary(table, table[list(LABELS)], dict.fromkeys(LABELS, 0.5)) == {}
