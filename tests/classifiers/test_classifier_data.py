"""Dataset loaders: official splits intact, seeded splits stable and disjoint, masks right.

These run on the synthetic dataset-shaped files (tests/classifiers/mini_datasets.py), so the
sizes asserted are the generator's; test_classifier_public_datasets.py checks the real files.
"""

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
    load_public,
    load_tweeteval_hate,
)
from tests.classifiers import mini_datasets as mini


@pytest.fixture(scope="module")
def olid(datasets_dir: Path):
    return load_olid(datasets_dir, SplitConfig())


def test_olid_keeps_the_official_test_files_whole(olid) -> None:
    test = olid[olid["split"] == "test"]
    c = mini.OLID_TEST["IND"] + mini.OLID_TEST["GRP"] + mini.OLID_TEST["OTH"]
    b = c + mini.OLID_TEST["UNT"]
    assert test.groupby("source").size().to_dict() == {
        "olid_a": b + mini.OLID_TEST["NOT"],
        "olid_b": b,
        "olid_c": c,
    }
    # Gold labels are joined to tweets by id: each level's positives are its own.
    level_c = test[test["source"] == "olid_c"]
    assert level_c["bullying"].sum() == mini.OLID_TEST["IND"]
    assert test.loc[test["source"] == "olid_b", "targeted"].sum() == c
    assert test.loc[test["source"] == "olid_a", "abuse"].sum() == b


def test_olid_training_file_is_read_without_quoting(olid) -> None:
    """Tweets hold unbalanced double quotes; read with quoting, rows would merge."""
    train = olid[olid["source"] == "olid"]
    assert len(train) == sum(mini.OLID_TRAIN.values())
    assert train["text"].str.contains('"').any()
    assert not train["text"].str.contains("\t").any()


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
    assert train["bullying"].sum() == mini.OLID_TRAIN[("OFF", "TIN", "IND")]
    # Hate implies offence: inoffensive tweets are hate negatives, offensive ones unlabelled.
    assert (train.loc[train["abuse"] == 0.0, "hate"] == 0.0).all()
    assert train.loc[train["abuse"] == 1.0, "hate"].isna().all()


def test_olid_validation_is_a_seeded_stratified_tenth(olid, datasets_dir: Path) -> None:
    train = olid[olid["source"] == "olid"]
    val = train[train["split"] == "val"]
    assert len(val) == round(0.1 * len(train))
    # Stratified on all three levels: every level combination keeps its share.
    assert val["abuse"].mean() == pytest.approx(train["abuse"].mean(), abs=0.01)
    assert val["bullying"].mean() == pytest.approx(train["bullying"].mean(), abs=0.01)
    again = load_olid(datasets_dir, SplitConfig())
    assert (again["split"].to_numpy() == olid["split"].to_numpy()).all()
    other = load_olid(datasets_dir, SplitConfig(seed=14))
    assert not (other["split"].to_numpy() == olid["split"].to_numpy()).all()


def test_tweeteval_keeps_its_official_split(datasets_dir: Path) -> None:
    frame = load_tweeteval_hate(datasets_dir, SplitConfig())
    sizes = {split: sum(counts) for split, counts in mini.TWEETEVAL.items()}
    assert frame.groupby("split").size().to_dict() == dict(sorted(sizes.items()))
    assert frame.groupby("split")["hate"].sum().to_dict() == {
        split: float(hate) for split, (_, hate) in sorted(mini.TWEETEVAL.items())
    }
    # Empty tweets stay as rows, so every later text keeps its own label.
    empty = frame[frame["text"] == ""]
    assert empty.groupby("split").size().to_dict() == {
        split: n for split, n in mini.TWEETEVAL_EMPTY.items() if n
    }
    assert not frame["text"].str.endswith(" ").any()


def test_tweeteval_refuses_texts_and_labels_out_of_step(datasets_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "datasets"
    shutil.copytree(datasets_dir / "tweeteval", copy / "tweeteval")
    labels = copy / "tweeteval" / "hate" / "val_labels.txt"
    labels.write_text(labels.read_text(encoding="utf-8") + "1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="tweeteval val: 60 texts but 61 labels"):
        load_tweeteval_hate(copy, SplitConfig())


def test_complaints_split_is_seeded_stratified_and_disjoint(datasets_dir: Path) -> None:
    first = load_complaints(datasets_dir, SplitConfig(seed=13))
    second = load_complaints(datasets_dir, SplitConfig(seed=13))
    other = load_complaints(datasets_dir, SplitConfig(seed=14))
    assert (first["split"] == second["split"]).all()
    assert not (first["split"] == other["split"]).all()
    sizes = first.groupby("split").size()
    assert sizes.sum() == len(first)  # each row in exactly one split
    assert sizes["test"] == pytest.approx(0.2 * len(first), abs=2)
    assert sizes["val"] == pytest.approx(0.1 * len(first), abs=2)
    rates = first.groupby("split")["complaint"].mean()
    assert np.ptp(rates.to_numpy()) < 0.03
    assert (first["safeguarding"] == 0.0).all()


def test_complaints_keep_the_domains_without_complaints_in_every_split(
    datasets_dir: Path,
) -> None:
    import pandas as pd

    raw = pd.read_csv(datasets_dir / "complaints" / "complaints_train.csv", dtype={"id": str})
    assert raw["id"].str.len().eq(18).all()  # read as text: a float would lose digits
    frame = load_complaints(datasets_dir, SplitConfig())
    frame["domain"] = raw["domain"].to_numpy()
    randoms = frame[frame["domain"].isin(list(mini.RANDOM_DOMAINS))]
    assert (randoms["complaint"] == 0.0).all()
    assert set(randoms["split"]) == {"train", "val", "test"}
    assert not frame["text"].str.contains("\r").any()


def test_cyberbullying_maps_kinds_to_labels(datasets_dir: Path) -> None:
    frame = load_cyberbullying(datasets_dir, SplitConfig())
    assert len(frame) == len(mini.CYBERBULLYING_KINDS) * mini.CYBERBULLYING_PER_KIND
    by_kind = frame.groupby("kind")[["bullying", "hate"]].agg(lambda s: sorted(s.dropna().unique()))
    assert by_kind.loc["other_cyberbullying", "bullying"] == [1.0]
    assert by_kind.loc["religion", "hate"] == [1.0]
    assert by_kind.loc["religion", "bullying"] == []
    assert by_kind.loc["not_cyberbullying", "hate"] == [0.0]
    assert by_kind.loc["age", "hate"] == [0.0] and by_kind.loc["age", "bullying"] == []
    assert set(frame.columns) >= set(TASKS)
    # 80/10/10, stratified by kind: each kind keeps its share of every split.
    shares = frame.groupby(["split", "kind"]).size().unstack()
    assert (shares.nunique(axis=1) == 1).all()


def test_cyberbullying_text_is_repaired(datasets_dir: Path) -> None:
    """UTF-8 once read as Latin-1 is undone; embedded line breaks become spaces."""
    texts = load_cyberbullying(datasets_dir, SplitConfig())["text"]
    assert texts.str.contains("\u2019").any()
    assert not texts.str.contains("\u00e2\u0080").any()
    assert not texts.str.contains("[\r\n]").any()
    assert not texts.str.contains("&amp;").any()


def test_every_source_has_both_classes_of_each_label_it_annotates(datasets_dir: Path) -> None:
    """What the seeded splits and calibration need; the synthetic files promise it too."""
    frame = load_public(datasets_dir)
    for (source, split), rows in frame.groupby(["source", "split"]):
        for task in TASKS:
            values = set(rows[task].dropna().unique())
            assert values in (set(), {0.0}, {0.0, 1.0}), (source, split, task)
    annotated = frame.groupby("source")[list(TASKS)].max()
    assert annotated.loc["complaints", "complaint"] == 1.0
    assert annotated.loc["tweeteval_hate", "hate"] == 1.0
