"""C28: a hateful grievance about a group gets a second complaint reading, group words neutral.

The reading may only ever add a complaint: it must leave every other label alone, read again
only the posts the rule names (so the stream is not scored twice), and travel in the
artefact's config so the version says whether scores carry it.
"""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.artefact import ARTEFACTS_DIR, DEFAULT_ARTEFACT, read_config
from classifiers.complaint_reading import (
    artefact_complaint_reading,
    neutral_text,
    second_readings,
)
from classifiers.inference import TransformerClassifier
from classifiers.training.refresh_rules import (
    COMPLAINT_READING_LINEAGE_KEY,
    add_complaint_reading,
)

READING = artefact_complaint_reading()  # C28b's: only where the post names the school world
EVERYWHERE = artefact_complaint_reading(school_world=False)  # C28's
TASKS = ["abuse", "bullying", "hate", "complaint", "safeguarding"]
THRESHOLDS = {"abuse": 0.5, "bullying": 0.5, "hate": 0.4, "complaint": 0.6, "safeguarding": 0.4}


@pytest.mark.parametrize(
    ("text", "neutral"),
    [
        ("Those Traveller kids wreck every lesson", "Those other kids wreck every lesson"),
        ("Polish kids get all the help", "other kids get all the help"),
        ("the refugees jump every queue", "the others jump every queue"),
        ("The SEND unit is a joke", "The other unit is a joke"),
        ("trans kids get their own toilets now", "other kids get their own toilets now"),
        ("p*kis everywhere at that school", None),  # undisguised by classifiers.text first
        ("boat people get free uniform", "others get free uniform"),
    ],
)
def test_group_words_are_read_as_other(text: str, neutral: str | None) -> None:
    assert neutral_text(text, EVERYWHERE) == neutral


@pytest.mark.parametrize(
    ("text", "read_again"),
    [
        ("the refugees jump every queue", False),  # politics, not a school
        ("the refugees jump every queue for school places", True),
        ("Those Traveller kids wreck every lesson", True),
        ("The SEND unit is a joke", True),  # SEND is itself the school world
        ("immigrants are taking over", False),
    ],
)
def test_c28b_reads_again_only_where_the_school_world_is_named(text: str, read_again: bool) -> None:
    assert (neutral_text(text, READING) is not None) is read_again
    assert neutral_text(text, EVERYWHERE) is not None


@pytest.mark.parametrize(
    "text",
    [
        "please send the consent form back by Friday",  # "send" the verb, not SEND
        "Lovely assembly this morning, well done Year 6",
        "the girls' football team has no pitch time",  # sex words are left alone
        "transport to the trip leaves at 8",  # "trans" only as a whole word
    ],
)
def test_text_naming_no_group_is_not_read_again(text: str) -> None:
    assert neutral_text(text, READING) is None


def test_only_hateful_non_complaints_naming_a_group_are_read_again() -> None:
    clean = [
        "Those Traveller kids wreck every lesson and school does nothing",  # hate, no complaint
        "Those Traveller kids wreck every lesson and school does nothing",  # already complaint
        "Polish kids are lovely",  # not hateful
        "they wreck every lesson",  # hateful but names no group
    ]
    scores = np.zeros((4, len(TASKS)))
    scores[:, TASKS.index("hate")] = [0.9, 0.9, 0.1, 0.9]
    scores[:, TASKS.index("complaint")] = [0.2, 0.8, 0.2, 0.2]
    again = second_readings(clean, scores, TASKS, THRESHOLDS, READING)
    assert again == {0: "Those other kids wreck every lesson and school does nothing"}
    assert second_readings(clean, scores, TASKS, THRESHOLDS, None) == {}


def test_the_reading_is_stored_in_a_copy_and_changes_only_complaint(tmp_path) -> None:
    """A copy with the reading has its own version; on a hostile group grievance it may raise
    complaint and leaves every other label exactly as the first reading scored it."""
    shipped = ARTEFACTS_DIR / DEFAULT_ARTEFACT
    version = add_complaint_reading(shipped, tmp_path / "c28")
    config = read_config(tmp_path / "c28")
    assert config["complaint_reading"] == READING
    assert config["training"][COMPLAINT_READING_LINEAGE_KEY] != version
    with pytest.raises(ValueError, match="source artefact"):
        add_complaint_reading(shipped, shipped)

    texts = [
        "Those gyppo kids are ruining every single lesson and the school just lets them",
        "Thank you for a brilliant Eid celebration assembly today",
    ]
    plain = TransformerClassifier(shipped).predict_tasks(texts)
    read = TransformerClassifier(tmp_path / "c28").predict_tasks(texts)
    others = [task for task in plain.columns if task != "complaint"]
    assert np.array_equal(plain[others].to_numpy(), read[others].to_numpy())
    assert (read["complaint"] >= plain["complaint"]).all()
    assert read.loc[1, "complaint"] == plain.loc[1, "complaint"]
