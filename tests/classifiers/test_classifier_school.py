"""The hand-written school data: well-formed, check set held out, no dataset text in the repo."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from classifiers.labels import LABELS
from classifiers.text import normalise
from classifiers.training.data import load_public
from classifiers.training.lexicon import matches_safeguarding
from classifiers.training.school import (
    SCHOOL_DIR,
    identity_check,
    identity_check_tasks,
    identity_train_tasks,
    load_school,
    template_rows,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["train.csv", "check.csv", "identity_train.csv"])
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


def test_identity_training_rows_are_not_near_copies_of_check_rows() -> None:
    """The attack rows were written to a brief that kept the check sets closed.

    Rows still too close to a check row were cut.

    Character 3-5-gram TF-IDF cosine 0.45 was the cut, applied once when the file was
    written: a test row paraphrased into training would measure memory, not the model.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    trained = pd.read_csv(SCHOOL_DIR / "identity_train.csv")["text"]
    checks = pd.concat(
        [pd.read_csv(SCHOOL_DIR / "check.csv")["text"], identity_check()["text"]],
        ignore_index=True,
    )
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    vectoriser.fit(pd.concat([trained, checks], ignore_index=True))
    similarity = (vectoriser.transform(trained) @ vectoriser.transform(checks).T).toarray()
    assert similarity.max() < 0.45


def test_identity_training_rows_cover_attacks_and_hard_negatives() -> None:
    rows = pd.read_csv(SCHOOL_DIR / "identity_train.csv")
    attacks, others = rows[rows["hate"] == 1], rows[rows["hate"] == 0]
    assert len(attacks) >= 100 and len(others) >= 100
    assert (attacks["abuse"] == 1).all()  # an attack on a group is offensive by definition
    assert (others[list(LABELS)].sum(axis=1) == 0).sum() >= 40  # harmless mentions of groups
    tasks = identity_train_tasks()
    # Training rows only: validation stays the same rows whether a run uses them or not.
    assert set(tasks["split"]) == {"train"} and set(tasks["source"]) == {"school"}
    assert len(tasks) == len(rows)


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


def test_no_dataset_text_in_hand_written_files(public_datasets_dir: Path) -> None:
    public = {t.lower() for t in load_public(public_datasets_dir)["text"] if len(t) > 20}
    names = ("train.csv", "check.csv", "identity_check.csv", "identity_train.csv")
    more = (
        "multilingual_train.csv",
        "multilingual_check.csv",
        "coded_probe.csv",
        "coded_probe_2.csv",
        "fresh_check.csv",
    )
    for name in (*names, *more):
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


def test_identity_rows_add_training_rows_and_leave_validation_unchanged(datasets_dir: Path) -> None:
    from classifiers.training.train import DataSettings, build_table

    without = build_table(datasets_dir, DataSettings(sample=40, identity_rows=False), seed=13)
    with_rows = build_table(datasets_dir, DataSettings(sample=40, identity_rows=True), seed=13)
    for table in (without, with_rows):
        assert not table["text"].isin(identity_check()["text"].map(normalise)).any()
    val = [sorted(t.loc[t["split"] == "val", "text"]) for t in (without, with_rows)]
    assert val[0] == val[1]
    written = set(identity_train_tasks()["text"])
    assert not set(without["text"]) & written
    assert set(with_rows["text"]) & written


def test_identity_weight_scales_only_the_identity_rows(datasets_dir: Path) -> None:
    from classifiers.training.train import DataSettings, build_table

    settings = DataSettings(sample=40, identity_rows=True, identity_weight=0.25)
    table = build_table(datasets_dir, settings, seed=13)
    written = table["text"].isin(set(identity_train_tasks()["text"]))
    school = table["source"] == "school"
    assert written.any()
    assert (table.loc[written, "weight"] == 0.5).all()  # school weight 2.0 times 0.25
    # A world category with its own factor (staff contact, C8a) is scaled by that, not this.
    own_factor = table["world_category"].isin(settings.world_category_weights)
    assert (table.loc[school & ~written & ~own_factor, "weight"] == 2.0).all()
    assert (table.loc[table["source"] == "cyberbullying", "weight"] == 0.5).all()


# Issue 20's categories: every one has check rows and training rows.
WORLD_CATEGORIES = {
    "complaint_sarcasm",
    "complaint_insult",
    "complaint_communication",
    "complaint_food",
    "complaint_buildings",
    "complaint_inset",
    "complaint_timetable",
    "complaint_group",
    "safeguarding_staff_contact",
    "safeguarding_peer_drugs",
    "negative_educational",
    "negative_office",
    "bullying_rate_looks",
    "bullying_exclude",
    "bullying_nickname",
    "bullying_slang",
    "bullying_emoji",
    "hate_emoji",
    "hate_dogwhistle",
    "hate_spelling",
    "hate_group_grievance",
}


def _world_file(name: str) -> pd.DataFrame:
    from classifiers.training.school import world_train_frame

    return world_train_frame() if name == "world_train" else pd.read_csv(SCHOOL_DIR / name)


@pytest.mark.parametrize("name", ["world_check.csv", "world_train"])
def test_school_world_files_are_labelled_and_cover_every_category(name: str) -> None:
    frame = _world_file(name)
    assert list(frame.columns[:6]) == ["text", *LABELS] and "category" in frame
    assert frame[list(LABELS)].isin([0, 1]).all().all()
    assert frame["text"].is_unique
    # Training files may add themes (e.g. abuse_misogyny, negative_praise), never drop one.
    assert set(frame["category"]) >= WORLD_CATEGORIES
    prefix = frame["category"].str.split("_").str[0]
    assert set(prefix) <= {*LABELS, "negative"}
    assert (frame.loc[prefix == "negative", list(LABELS)] == 0).all().all()
    for label in LABELS:
        assert (frame.loc[prefix == label, label] == 1).all(), label


def test_every_world_training_file_has_the_common_columns() -> None:
    from classifiers.training.school import world_train_paths

    for path in world_train_paths():
        frame = pd.read_csv(path)
        assert list(frame.columns[:7]) == ["text", *LABELS, "category"], path.name
        assert frame["text"].notna().all() and frame[list(LABELS)].notna().all().all(), path.name


def test_school_world_training_rows_are_not_near_copies_of_any_check_row() -> None:
    """Written after the check rows, apart and without reusing their phrasing (same cut as
    the identity rows: character 3-5-gram TF-IDF cosine below 0.45). Each check set is
    compared on its own, as its cut was applied when it was written: one vocabulary over
    every set moves the weights, and with them pairs already near the cut."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    trained = _world_file("world_train")["text"]
    checks = {
        name: pd.read_csv(SCHOOL_DIR / name)["text"]
        for name in (
            "check.csv",
            "world_check.csv",
            "coded_probe.csv",
            "coded_probe_2.csv",
            "fresh_check.csv",
        )
    }
    checks["identity_check"] = identity_check()["text"]
    for name, check in checks.items():
        vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        vectoriser.fit(pd.concat([trained, check], ignore_index=True))
        similarity = (vectoriser.transform(trained) @ vectoriser.transform(check).T).toarray()
        assert similarity.max() < 0.45, name
        assert not set(trained) & set(check), name


def test_fresh_check_is_labelled_and_no_row_is_near_any_training_row() -> None:
    """fresh_check stands in for school messages the project never saw (C19), so every row
    closer than the near-copy cut to a training row was dropped before it was scored."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from classifiers.training.school import fresh_check, world_train_frame

    fresh = fresh_check()
    assert list(fresh.columns) == ["text", *LABELS, "category", "voice", "platform"]
    assert fresh[list(LABELS)].isin([0, 1]).all().all() and fresh["text"].is_unique
    assert fresh[list(LABELS)].sum().min() >= 25  # every label measured on real numbers
    assert (fresh.loc[fresh["hate"] == 1, "abuse"] == 1).all()  # the files' convention
    assert (fresh.loc[fresh["category"].str.startswith("negative_"), list(LABELS)] == 0).all().all()
    trained = pd.concat(
        [
            world_train_frame()["text"],
            pd.read_csv(SCHOOL_DIR / "train.csv")["text"],
            pd.read_csv(SCHOOL_DIR / "identity_train.csv")["text"],
            pd.read_csv(SCHOOL_DIR / "multilingual_train.csv")["text"],
        ],
        ignore_index=True,
    )
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    vectoriser.fit(pd.concat([trained, fresh["text"]], ignore_index=True))
    similarity = (vectoriser.transform(fresh["text"]) @ vectoriser.transform(trained).T).toarray()
    assert similarity.max() < 0.45


def test_the_second_coded_probe_is_labelled_and_its_look_alikes_are_innocent() -> None:
    """coded_probe_2 judged C21's reading table: its look-alike rows are what a reading that
    goes too far would flag, so they may carry a complaint but never a harm label."""
    from classifiers.training.school import coded_probe_2

    probe = coded_probe_2()
    assert list(probe.columns) == ["text", *LABELS, "category", "voice", "platform"]
    assert probe[list(LABELS)].isin([0, 1]).all().all() and probe["text"].is_unique
    assert (probe.loc[probe["hate"] == 1, "abuse"] == 1).all()
    harms = ["abuse", "bullying", "hate", "safeguarding"]
    look_alikes = probe["category"].str.endswith("_lookalike")
    assert look_alikes.sum() >= 50 and (probe.loc[look_alikes, harms] == 0).all().all()
    assert (probe.loc[probe["category"].isin(["coded_hate", "emoji_hate"]), "hate"] == 1).all()


@pytest.mark.parametrize(
    ("filename", "hateful_prefix", "hateful_rows"),
    [("hate_code_probe.csv", "coded_hate", 30), ("hate_code_probe_2.csv", "hate_", 21)],
)
def test_the_hate_code_probes_are_labelled_carry_codes_and_none_is_near_training(
    filename: str, hateful_prefix: str, hateful_rows: int
) -> None:
    """The hate-code probes judged C24's and C25's frames: nearly every row carries a code the
    backstop lists (not the few counts and hugs the patterns pass over: "1488 pupils",
    "(((hugs)))"), innocent rows carry no harm label, and no row
    is a near copy of a training row (the cut applied when each was written)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from classifiers.hate_rules import artefact_hate_rules, hate_rule_hits
    from classifiers.training.school import world_train_frame

    probe = pd.read_csv(SCHOOL_DIR / filename)
    assert list(probe.columns) == ["text", *LABELS, "category", "voice", "platform"]
    assert probe[list(LABELS)].isin([0, 1]).all().all() and probe["text"].is_unique
    assert (probe.loc[probe["hate"] == 1, "abuse"] == 1).all()
    hateful = probe["category"].str.startswith(hateful_prefix)
    hits = hate_rule_hits(probe["text"].tolist(), artefact_hate_rules(exceptions=False))
    # One hateful row writes a bare "1488 is bad", which the patterns read as a count.
    assert hits[hateful.to_numpy()].mean() > 0.95 and hits.mean() > 0.85
    assert hateful.sum() == hateful_rows and (probe.loc[hateful, "hate"] == 1).all()
    harms = ["abuse", "bullying", "hate", "safeguarding"]
    assert (probe.loc[~hateful, harms] == 0).all().all()
    trained = pd.concat(
        [world_train_frame()["text"], pd.read_csv(SCHOOL_DIR / "train.csv")["text"]],
        ignore_index=True,
    )
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    vectoriser.fit(pd.concat([trained, probe["text"]], ignore_index=True))
    similarity = (vectoriser.transform(probe["text"]) @ vectoriser.transform(trained).T).toarray()
    assert similarity.max() < 0.45


@pytest.mark.parametrize(
    ("name", "risky_prefix", "kinds", "per_kind"),
    [
        ("safeguarding_code_probe", "coded_", 6, (11, 12)),
        ("safeguarding_code_probe_2", "risk_", 4, (13, 16)),
    ],
)
def test_the_safeguarding_code_probes_are_labelled_and_none_is_near_a_known_row(
    name: str, risky_prefix: str, kinds: int, per_kind: tuple[int, int]
) -> None:
    """The safeguarding-code probes judged C26 and C27: kinds of risk said in code or slang,
    and their look-alikes. A look-alike may be rude or a complaint but never a risk to a
    child; rows within the near-copy cut of a training or check row were dropped."""

    from classifiers.training.school import categorised

    probe = categorised(name)
    assert list(probe.columns) == ["text", *LABELS, "category", "voice", "platform"]
    assert probe[list(LABELS)].isin([0, 1]).all().all() and probe["text"].is_unique
    risky = probe["category"].str.startswith(risky_prefix)
    assert (probe["safeguarding"] == risky.astype(int)).all()
    kind = probe["category"].str.removeprefix(risky_prefix).str.removeprefix("lookalike_")
    assert kind.nunique() == kinds and kind.value_counts().between(*per_kind).all()
    assert _nearest_known_row(probe["text"], name) < 0.45


def test_world_rows_train_only_when_asked_and_check_rows_never() -> None:
    from classifiers.training.school import check_sets, world_train_tasks

    rows = world_train_tasks()
    assert set(rows["split"]) == {"train"} and set(rows["source"]) == {"school"}
    assert "world_check" in check_sets()
    assert not set(rows["text"]) & set(check_sets()["world_check"]["text"])


def test_wide_template_names_change_the_names_and_nothing_else() -> None:
    """C7's fix for the name cue (docs/classifier-experiments.md): no name tied to a label."""
    import re

    from classifiers.training.school import _NAMES, wide_name_pool

    fixed, wide = template_rows(), template_rows(wide_names=True)
    assert len(wide) == len(fixed)
    assert (wide[list(LABELS)].to_numpy() == fixed[list(LABELS)].to_numpy()).all()
    assert not any(name in text for name in _NAMES for text in wide["text"])
    for name in wide_name_pool():
        pattern = re.compile(rf"(?<![\w']){re.escape(name)}\b")
        assert sum(bool(pattern.search(text)) for text in wide["text"]) <= 1, name
    # The validation quarter is drawn by position, so it holds the same rows either way.
    split_fixed, split_wide = load_school(), load_school(wide_names=True)
    assert split_fixed["split"].tolist() == split_wide["split"].tolist()
    check = split_wide["source"] == "school_check"
    assert split_wide[check]["text"].equals(split_fixed[check]["text"])
    trained = {normalise(t).lower() for t in wide["text"]}
    assert not {normalise(t).lower() for t in pd.read_csv(SCHOOL_DIR / "check.csv")["text"]} & (
        trained
    )


@pytest.mark.parametrize("name", ["complaint_group_probe", "complaint_group_probe_2"])
def test_the_group_grievance_probes_are_labelled_and_none_is_near_a_known_row(name: str) -> None:
    """The probes that judged C28 and C28b: complaints framed around a group of pupils (hostile or
    not, and reports of discrimination left unhandled) and look-alikes naming a group that
    are not complaints. Rows within the near-copy cut of a training or check row were
    dropped before it was scored."""

    from classifiers.training.school import categorised

    probe = categorised(name)
    assert list(probe.columns) == ["text", *LABELS, "category", "voice", "platform"]
    assert probe[list(LABELS)].isin([0, 1]).all().all() and probe["text"].is_unique
    assert (probe.loc[probe["hate"] == 1, "abuse"] == 1).all()  # the files' convention
    grievance = probe["category"].str.startswith("grievance_")
    assert (probe["complaint"] == grievance.astype(int)).all()
    assert (
        probe["category"].nunique() == 6 and probe["category"].value_counts().between(11, 12).all()
    )
    hostile = probe["category"] == "grievance_group_hostile"
    assert (probe.loc[hostile, "hate"] == 1).all()
    positive = probe["category"].isin(["lookalike_group_positive", "lookalike_group_question"])
    assert (probe.loc[positive, list(LABELS)] == 0).all().all()
    assert _nearest_known_row(probe["text"], name) < 0.45


def _nearest_known_row(texts: pd.Series, check_set: str) -> float:
    """The highest character 3-5-gram TF-IDF cosine between a probe's rows and every
    training row and every other check set's row: the near-copy cut is 0.45."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from classifiers.training.school import CHECK_FILES, world_train_frame

    known = pd.concat(
        [
            world_train_frame()["text"],
            *(pd.read_csv(SCHOOL_DIR / f)["text"] for f in ("train.csv", "identity_train.csv")),
            *(
                pd.read_csv(SCHOOL_DIR / f)["text"]
                for n, f in CHECK_FILES.items()
                if n != check_set
            ),
        ],
        ignore_index=True,
    )
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    vectoriser.fit(pd.concat([known, texts], ignore_index=True))
    return float((vectoriser.transform(texts) @ vectoriser.transform(known).T).toarray().max())
