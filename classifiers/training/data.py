"""Loaders that turn each public dataset into one shared multi-task table.

Every loader returns a frame with columns `text`, `source`, `split` and one float column per
task in `TASKS`: 1.0/0.0 where the dataset annotates that task, NaN where it does not, so the
training loss can be masked per label instead of inventing negatives.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from classifiers.labels import TASKS
from classifiers.text import normalise

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class SplitConfig:
    """Seeded split fractions for datasets that ship without an official split."""

    seed: int = 13
    olid_val_fraction: float = 0.1
    complaints_val_fraction: float = 0.1
    complaints_test_fraction: float = 0.2
    cyberbullying_val_fraction: float = 0.1
    cyberbullying_test_fraction: float = 0.1


def _frame(
    texts: list[str], source: str, split: str, labels: dict[str, list[float]]
) -> pd.DataFrame:
    """Assemble the shared layout, leaving unannotated tasks as NaN."""
    frame = pd.DataFrame({"text": [normalise(t) for t in texts]})
    frame["source"] = source
    frame["split"] = split
    for task in TASKS:
        frame[task] = np.asarray(labels.get(task, [np.nan] * len(texts)), dtype="float64")
    return frame


def _three_way(
    frame: pd.DataFrame, strata: pd.Series, val: float, test: float, seed: int
) -> pd.Series:
    """Stratified seeded train/val/test assignment, returned as a split column."""
    index = frame.index.to_numpy()
    rest, test_idx = train_test_split(index, test_size=test, random_state=seed, stratify=strata)
    _train_idx, val_idx = train_test_split(
        rest, test_size=val / (1.0 - test), random_state=seed, stratify=strata.loc[rest]
    )
    split = pd.Series("train", index=frame.index)
    split.loc[val_idx] = "val"
    split.loc[test_idx] = "test"
    return split


def load_olid(data_dir: Path, config: SplitConfig) -> pd.DataFrame:
    """OLID: level A -> abuse, level B -> targeted, targeted-at-individual -> bullying.

    Inoffensive tweets are also hate negatives (see the label comment below).

    The official test files are used as test; a seeded stratified slice of the training file
    is held out as validation (OLID ships no validation split).
    """
    root = Path(data_dir) / "olid"
    train = pd.read_csv(
        root / "olid-training-v1.0.tsv", sep="\t", quoting=csv.QUOTE_NONE, dtype=str
    ).fillna("NULL")
    strata = train["subtask_a"] + train["subtask_b"] + train["subtask_c"]
    _, val_idx = train_test_split(
        train.index.to_numpy(),
        test_size=config.olid_val_fraction,
        random_state=config.seed,
        stratify=strata,
    )
    split = pd.Series("train", index=train.index)
    split.loc[val_idx] = "val"
    offensive = (train["subtask_a"] == "OFF").to_numpy()
    targeted = (train["subtask_b"] == "TIN").to_numpy()
    individual = (train["subtask_c"] == "IND").to_numpy()
    labels = {
        "abuse": offensive.astype(float).tolist(),
        "bullying": (offensive & targeted & individual).astype(float).tolist(),
        "targeted": np.where(offensive, targeted.astype(float), np.nan).tolist(),
        # An attack on a group identity is offensive by definition, so an inoffensive tweet is
        # a hate negative. Many of them are about immigration and politics: without them the
        # hate head learns the topic rather than the attack. Offensive ones stay unlabelled.
        "hate": np.where(offensive, np.nan, 0.0).tolist(),
    }
    frames = [_frame(train["tweet"].tolist(), "olid", "train", labels)]
    frames[0]["split"] = split.to_numpy()
    frames.append(_olid_test(root))
    return pd.concat(frames, ignore_index=True)


def _olid_test(root: Path) -> pd.DataFrame:
    """The three official OLID test files, each annotating only its own level."""
    parts = []
    for level, task, positive in (("a", "abuse", "OFF"), ("b", "targeted", "TIN")):
        tweets = pd.read_csv(
            root / f"testset-level{level}.tsv", sep="\t", quoting=csv.QUOTE_NONE, dtype=str
        )
        gold = pd.read_csv(root / f"labels-level{level}.csv", header=None, names=["id", "y"])
        merged = tweets.merge(gold.astype(str), on="id", how="inner", validate="one_to_one")
        part = _frame(
            merged["tweet"].tolist(),
            f"olid_{level}",
            "test",
            {task: (merged["y"] == positive).astype(float).tolist()},
        )
        parts.append(part)
    tweets = pd.read_csv(root / "testset-levelc.tsv", sep="\t", quoting=csv.QUOTE_NONE, dtype=str)
    gold = pd.read_csv(root / "labels-levelc.csv", header=None, names=["id", "y"])
    merged = tweets.merge(gold.astype(str), on="id", how="inner", validate="one_to_one")
    # Level C items are all targeted offences, so "aimed at an individual" is exactly bullying.
    parts.append(
        _frame(
            merged["tweet"].tolist(),
            "olid_c",
            "test",
            {"bullying": (merged["y"] == "IND").astype(float).tolist()},
        )
    )
    return pd.concat(parts, ignore_index=True)


def _read_lines(path: Path) -> list[str]:
    """One item per line, keeping empty lines so texts and labels stay aligned."""
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def load_tweeteval_hate(data_dir: Path, config: SplitConfig) -> pd.DataFrame:
    """TweetEval hate (HatEval 2019) with its official train/validation/test split."""
    root = Path(data_dir) / "tweeteval" / "hate"
    frames = []
    for split, prefix in (("train", "train"), ("val", "val"), ("test", "test")):
        texts = _read_lines(root / f"{prefix}_text.txt")
        labels = [float(x) for x in _read_lines(root / f"{prefix}_labels.txt")]
        if len(texts) != len(labels):
            raise ValueError(f"tweeteval {prefix}: {len(texts)} texts but {len(labels)} labels")
        frames.append(_frame(texts, "tweeteval_hate", split, {"hate": labels}))
    return pd.concat(frames, ignore_index=True)


def load_complaints(data_dir: Path, config: SplitConfig) -> pd.DataFrame:
    """Complaints on Twitter; seeded 70/10/20 split stratified by domain and label.

    Customer-service tweets are also taken as safeguarding negatives: none of them is about a
    threat, self-harm or a child at risk, and the safeguarding head needs ordinary negatives.
    """
    raw = pd.read_csv(Path(data_dir) / "complaints" / "complaints_train.csv", dtype={"id": str})
    strata = raw["domain"].astype(str) + "_" + raw["complaint"].astype(str)
    split = _three_way(
        raw, strata, config.complaints_val_fraction, config.complaints_test_fraction, config.seed
    )
    labels = {
        "complaint": raw["complaint"].astype(float).tolist(),
        "safeguarding": [0.0] * len(raw),
    }
    frame = _frame(raw["text"].astype(str).tolist(), "complaints", "train", labels)
    frame["split"] = split.to_numpy()
    return frame


# Identity-based bullying classes are attacks on a group identity; "age" mostly recalls school
# bullying rather than doing it, so it annotates nothing beyond "not hate".
_CYBERBULLYING_MAP: dict[str, dict[str, float]] = {
    "not_cyberbullying": {"bullying": 0.0, "hate": 0.0},
    "other_cyberbullying": {"bullying": 1.0, "hate": 0.0},
    "gender": {"hate": 1.0},
    "ethnicity": {"hate": 1.0},
    "religion": {"hate": 1.0},
    "age": {"hate": 0.0},
}


def load_cyberbullying(data_dir: Path, config: SplitConfig) -> pd.DataFrame:
    """Fine-grained cyberbullying tweets as a weak signal for bullying and hate (80/10/10)."""
    raw = pd.read_csv(Path(data_dir) / "cyberbullying" / "cyberbullying_tweets.csv")
    kind = raw["cyberbullying_type"].astype(str)
    split = _three_way(
        raw,
        kind,
        config.cyberbullying_val_fraction,
        config.cyberbullying_test_fraction,
        config.seed,
    )
    labels = {
        task: [_CYBERBULLYING_MAP[k].get(task, np.nan) for k in kind]
        for task in ("bullying", "hate")
    }
    frame = _frame(raw["tweet_text"].astype(str).tolist(), "cyberbullying", "train", labels)
    frame["split"] = split.to_numpy()
    frame["kind"] = kind.to_numpy()
    return frame


LOADERS = {
    "olid": load_olid,
    "tweeteval_hate": load_tweeteval_hate,
    "complaints": load_complaints,
    "cyberbullying": load_cyberbullying,
}


def sample_per_source(frame: pd.DataFrame, n: int | None, seed: int) -> pd.DataFrame:
    """At most n seeded rows per source and split (quick runs and tests); all rows if n is None."""
    if n is None:
        return frame
    keep = [
        group.sample(n=min(n, len(group)), random_state=seed).index
        for _, group in frame.groupby(["source", "split"])
    ]
    return frame.loc[np.concatenate(keep)]


def load_public(
    data_dir: Path, config: SplitConfig | None = None, sources: tuple[str, ...] = tuple(LOADERS)
) -> pd.DataFrame:
    """All requested public datasets in the shared layout."""
    config = config or SplitConfig()
    frames = [LOADERS[name](Path(data_dir), config) for name in sources]
    return pd.concat(frames, ignore_index=True)
