"""The real public datasets: the loaders read them whole, and the synthetic files match them.

Every test here needs `public_datasets_dir` (so each is marked `datasets`): CI runs them with
TRUSTWATCH_DATASETS set; a fresh clone skips them with one reason and one summary line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifiers.training.data import (
    SplitConfig,
    load_complaints,
    load_cyberbullying,
    load_olid,
    load_tweeteval_hate,
)

# The files classifiers/training/data.py reads, relative to the datasets folder.
_TWEETEVAL_FILES = tuple(
    f"tweeteval/hate/{split}_{kind}.txt"
    for split in ("train", "val", "test")
    for kind in ("text", "labels")
)
READ_FILES = (
    "olid/olid-training-v1.0.tsv",
    *(f"olid/testset-level{level}.tsv" for level in "abc"),
    *(f"olid/labels-level{level}.csv" for level in "abc"),
    *_TWEETEVAL_FILES,
    "complaints/complaints_train.csv",
    "cyberbullying/cyberbullying_tweets.csv",
)


@pytest.fixture(scope="module")
def olid(public_datasets_dir: Path):
    return load_olid(public_datasets_dir, SplitConfig())


def test_olid_official_test_sizes(olid) -> None:
    test = olid[olid["split"] == "test"]
    assert test.groupby("source").size().to_dict() == {"olid_a": 860, "olid_b": 240, "olid_c": 213}
    assert (olid["source"] == "olid").sum() == 13240


def test_olid_validation_is_a_seeded_stratified_tenth(olid) -> None:
    train = olid[olid["source"] == "olid"]
    val = train[train["split"] == "val"]
    assert abs(len(val) / len(train) - 0.1) < 0.005
    assert abs(val["abuse"].mean() - train["abuse"].mean()) < 0.01


def test_tweeteval_keeps_its_official_split(public_datasets_dir: Path) -> None:
    frame = load_tweeteval_hate(public_datasets_dir, SplitConfig())
    assert frame.groupby("split").size().to_dict() == {"test": 2970, "train": 9000, "val": 1000}
    assert set(frame["hate"].unique()) == {0.0, 1.0}


def test_complaints_split_is_stratified_on_the_whole_file(public_datasets_dir: Path) -> None:
    frame = load_complaints(public_datasets_dir, SplitConfig())
    assert len(frame) == 2588
    sizes = frame.groupby("split").size()
    assert sizes["test"] == pytest.approx(0.2 * len(frame), abs=2)
    assert sizes["val"] == pytest.approx(0.1 * len(frame), abs=2)
    rates = frame.groupby("split")["complaint"].mean()
    assert np.ptp(rates.to_numpy()) < 0.02


def test_cyberbullying_reads_every_row(public_datasets_dir: Path) -> None:
    frame = load_cyberbullying(public_datasets_dir, SplitConfig())
    assert len(frame) == 9996
    assert frame.groupby("kind").size().nunique() == 1  # the balanced subset
    assert not frame["text"].str.contains("\u00e2\u0080").any()  # mojibake repaired


def _shape(path: Path) -> tuple[str, str, bool]:
    """A file's header line (for tables), its line ending and whether it ends with one."""
    raw = path.read_bytes()
    first = raw.split(b"\n", 1)[0]
    ending = "CRLF" if first.endswith(b"\r") else "LF"
    header = first.rstrip(b"\r").decode("utf-8") if path.suffix in {".tsv", ".csv"} else ""
    if path.name.startswith("labels-level"):
        header = str(first.count(b","))  # header-less: compare the field count only
    return header, ending, raw.endswith(b"\n")


def test_synthetic_files_have_the_real_files_shape(
    public_datasets_dir: Path, datasets_dir: Path
) -> None:
    """The stand-ins used on a fresh clone keep the real headers, separators and endings."""
    for name in READ_FILES:
        assert _shape(datasets_dir / name) == _shape(public_datasets_dir / name), name
    real = (public_datasets_dir / "tweeteval" / "hate" / "mapping.txt").read_bytes()
    assert (datasets_dir / "tweeteval" / "hate" / "mapping.txt").read_bytes() == real
