"""The hand-written school data: well-formed, check set held out, no dataset text in the repo."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from classifiers.data import load_public
from classifiers.labels import LABELS
from classifiers.lexicon import matches_safeguarding
from classifiers.school import (
    SCHOOL_DIR,
    identity_check,
    identity_check_tasks,
    load_school,
    template_rows,
)
from classifiers.text import normalise

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["train.csv", "check.csv"])
def test_school_files_are_fully_labelled_binary(name: str) -> None:
    frame = pd.read_csv(SCHOOL_DIR / name)
    assert list(frame.columns) == ["text", *LABELS]
    assert frame[list(LABELS)].isin([0, 1]).all().all()
    assert frame["text"].is_unique
    assert frame[list(LABELS)].sum().min() >= 5  # every label has positives to learn/measure


def test_check_sets_never_overlap_training_rows() -> None:
    written = pd.read_csv(SCHOOL_DIR / "train.csv")["text"]
    trained = {normalise(t).lower() for t in [*written, *template_rows()["text"]]}
    for check in (pd.read_csv(SCHOOL_DIR / "check.csv")["text"], identity_check()["text"]):
        assert not {normalise(t).lower() for t in check} & trained


def test_load_school_keeps_check_set_as_test_only() -> None:
    frame = load_school()
    assert set(frame.loc[frame["source"] == "school_check", "split"]) == {"test"}
    assert set(frame.loc[frame["source"] == "school", "split"]) == {"train", "val"}
    # The identity-term check set is for evaluation only; training never loads it.
    assert "identity_check" not in set(frame["source"])


def test_identity_check_set_labels_hate_only_with_every_kind() -> None:
    check = identity_check()
    assert list(check.columns) == ["text", "hate", "kind"]
    assert check["text"].is_unique and check["hate"].isin([0, 1]).all()
    kinds = set(check["kind"])
    assert kinds == {"neutral_mention", "non_identity_use", "complaint_mentioning_identity", "hate"}
    assert (check.loc[check["kind"] == "hate", "hate"] == 1).all()
    assert (check.loc[check["kind"] != "hate", "hate"] == 0).all()
    tasks = identity_check_tasks()
    assert set(tasks["source"]) == {"identity_check"} and set(tasks["split"]) == {"test"}
    assert tasks["hate"].notna().all() and len(tasks) == len(check)
    assert tasks[["abuse", "bullying", "complaint", "safeguarding"]].isna().all().all()


def test_lexicon_hits_first_person_risk_but_not_banter() -> None:
    assert matches_safeguarding("honestly I want to die, I can't cope")
    assert matches_safeguarding("I'm going to stab him tomorrow")
    assert not matches_safeguarding("this homework is killing me")
    assert not matches_safeguarding("the team killed it on sports day")


def test_no_dataset_text_in_hand_written_files(datasets_dir: Path) -> None:
    public = {t.lower() for t in load_public(datasets_dir)["text"] if len(t) > 20}
    for name in ("train.csv", "check.csv", "identity_check.csv"):
        texts = {normalise(t).lower() for t in pd.read_csv(SCHOOL_DIR / name)["text"]}
        assert not texts & public, name


def test_no_dataset_placeholder_in_project_files() -> None:
    """The datasets' mention placeholder in a project file is a sign of leaked dataset text."""
    placeholder = "@" + "USER"
    roots = [PROJECT_ROOT / "classifiers", PROJECT_ROOT / "tests" / "classifiers"]
    files = [p for root in roots for p in root.rglob("*") if p.is_file()]
    files.append(PROJECT_ROOT / "benchmarks" / "classify.py")
    offenders = [
        str(path)
        for path in files
        if "__pycache__" not in path.parts
        and path.suffix != ".safetensors"
        and placeholder in path.read_text(encoding="utf-8", errors="ignore")
    ]
    assert len(files) > 20
    assert offenders == []
