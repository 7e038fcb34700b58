"""Dataset loaders: official splits intact, seeded splits stable and disjoint, masks right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifiers.labels import TASKS
from classifiers.training.data import (
    SplitConfig,
    load_complaints,
    load_cyberbullying,
    load_olid,
    load_tweeteval_hate,
)


@pytest.fixture(scope="module")
def olid(datasets_dir: Path):
    return load_olid(datasets_dir, SplitConfig())


def test_olid_official_test_sizes(olid) -> None:
    test = olid[olid["split"] == "test"]
    assert test.groupby("source").size().to_dict() == {"olid_a": 860, "olid_b": 240, "olid_c": 213}


def test_olid_labels_are_masked_where_not_annotated(olid) -> None:
    level_a = olid[olid["source"] == "olid_a"]
    assert level_a["abuse"].notna().all()
    assert level_a[["bullying", "hate", "complaint", "targeted"]].isna().all().all()
    train = olid[olid["source"] == "olid"]
    # Level B is defined only on offensive tweets.
    assert train.loc[train["abuse"] == 0.0, "targeted"].isna().all()
    assert train.loc[train["abuse"] == 1.0, "targeted"].notna().all()
    # Bullying (insult aimed at an individual) implies an offensive tweet.
    assert (train.loc[train["bullying"] == 1.0, "abuse"] == 1.0).all()
    # Hate implies offence: inoffensive tweets are hate negatives, offensive ones unlabelled.
    assert (train.loc[train["abuse"] == 0.0, "hate"] == 0.0).all()
    assert train.loc[train["abuse"] == 1.0, "hate"].isna().all()


def test_olid_validation_is_a_seeded_stratified_tenth(olid, datasets_dir: Path) -> None:
    train = olid[olid["source"] == "olid"]
    val = train[train["split"] == "val"]
    assert abs(len(val) / len(train) - 0.1) < 0.005
    assert abs(val["abuse"].mean() - train["abuse"].mean()) < 0.01
    again = load_olid(datasets_dir, SplitConfig())
    assert (again["split"].to_numpy() == olid["split"].to_numpy()).all()


def test_tweeteval_keeps_its_official_split(datasets_dir: Path) -> None:
    frame = load_tweeteval_hate(datasets_dir, SplitConfig())
    assert frame.groupby("split").size().to_dict() == {"test": 2970, "train": 9000, "val": 1000}
    assert set(frame["hate"].unique()) == {0.0, 1.0}


def test_complaints_split_is_seeded_stratified_and_disjoint(datasets_dir: Path) -> None:
    first = load_complaints(datasets_dir, SplitConfig(seed=13))
    second = load_complaints(datasets_dir, SplitConfig(seed=13))
    other = load_complaints(datasets_dir, SplitConfig(seed=14))
    assert (first["split"] == second["split"]).all()
    assert not (first["split"] == other["split"]).all()
    sizes = first.groupby("split").size()
    assert sizes["test"] == pytest.approx(0.2 * len(first), abs=2)
    assert sizes["val"] == pytest.approx(0.1 * len(first), abs=2)
    rates = first.groupby("split")["complaint"].mean()
    assert np.ptp(rates.to_numpy()) < 0.02


def test_cyberbullying_maps_kinds_to_labels(datasets_dir: Path) -> None:
    frame = load_cyberbullying(datasets_dir, SplitConfig())
    by_kind = frame.groupby("kind")[["bullying", "hate"]].agg(lambda s: sorted(s.dropna().unique()))
    assert by_kind.loc["other_cyberbullying", "bullying"] == [1.0]
    assert by_kind.loc["religion", "hate"] == [1.0]
    assert by_kind.loc["religion", "bullying"] == []
    assert by_kind.loc["not_cyberbullying", "hate"] == [0.0]
    assert set(frame.columns) >= set(TASKS)
