"""Rebuilding the shipped model (issue 20): the data it may not train on stays out.

The rule that chose the committed model (docs/classifier-experiments.md) judges on the school
rows' validation quarter and a held-out fold of the school-world rows, so a rebuild that
trained on either would be judged on its own training data. These tests pin that, and the
rule's target clause reading the named set.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from classifiers.text import deobfuscate, normalise
from classifiers.training.promotion import LabelComparison, PromotionRule, decide
from classifiers.training.rebuild import (
    WORLD_FOLD,
    rebuild_settings,
    safeguarding_recall,
    with_recall_clause,
)
from classifiers.training.retrain import RetrainSettings, training_frame, validation_table
from classifiers.training.school import (
    load_school,
    world_categories,
    world_train_frame,
    world_train_split,
)
from classifiers.training.train import (
    SETTINGS_RECORDED_WHEN_ON,
    DataSettings,
    TrainConfig,
    build_table,
    train_record,
)
from trustwatch.cli import main

# Every setting added for issue 20 at the value that leaves it off: the recipe of the models
# trained before them (the committed model has them on).
OFF = replace(DataSettings(), **SETTINGS_RECORDED_WHEN_ON)


def test_world_fold_is_a_seeded_share_of_every_category():
    train, fold = world_train_split(13, 0.25)
    written = world_train_frame()  # every world_train*.csv file
    assert len(train) + len(fold) == len(written)
    assert not set(train["text"]) & set(fold["text"])
    category = dict(zip(written["text"].map(normalise), written["category"], strict=True))
    assert {category[t] for t in fold["text"]} == set(written["category"])  # every category
    again = world_train_split(13, 0.25)[1]
    assert list(again["text"]) == list(fold["text"])  # seeded: the same fold every time
    assert list(world_train_split(14, 0.25)[1]["text"]) != list(fold["text"])
    assert world_train_split(13, 0.0)[1].empty


def test_rebuild_trains_on_neither_school_validation_nor_the_world_fold():
    settings = rebuild_settings(hold_out_world=True)
    assert not settings.school_val_rows and settings.thresholds_from_validation
    frame, record = training_frame([], settings, data_dir=None)
    trained = set(frame["text"])
    school = load_school(settings.seed, wide_names=settings.wide_template_names)
    school_val = school[(school["source"] == "school") & (school["split"] == "val")]
    fold = world_train_split(settings.seed, settings.world_holdout)[1]
    assert not trained & {deobfuscate(t) for t in school_val["text"]}
    assert not trained & {deobfuscate(t) for t in fold["text"]}
    assert record["public"] == "absent"
    # A trust's weekly retrain keeps training on all of them.
    everything = set(training_frame([], RetrainSettings(), data_dir=None)[0]["text"])
    assert {deobfuscate(t) for t in fold["text"]} <= everything
    assert {deobfuscate(t) for t in school_val["text"]} <= everything
    all_world = replace(settings, world_holdout=0.0)
    assert {deobfuscate(t) for t in fold["text"]} <= set(
        training_frame([], all_world, None)[0]["text"]
    )


def _comparison(diff: float) -> LabelComparison:
    return LabelComparison(40, 10, 0.6, 0.6 + diff, diff, diff - 0.1, diff + 0.1)


def test_rule_reads_the_named_target_set_or_none():
    rule = PromotionRule()
    worse_fold = {
        "olid_val": {"abuse": _comparison(0.0)},
        WORLD_FOLD: {"complaint": _comparison(-0.05)},
    }
    decision = decide(worse_fold, rule, target_set=WORLD_FOLD)
    assert not decision.promote and f"not better on {WORLD_FOLD}" in decision.reasons[0]
    better_fold = {**worse_fold, WORLD_FOLD: {"complaint": _comparison(0.05)}}
    assert decide(better_fold, rule, target_set=WORLD_FOLD).promote
    # A refit trained on the fold: only the no-label-worse clause applies.
    assert decide({"olid_val": {"abuse": _comparison(0.0)}}, rule, target_set=None).promote
    assert not decide({"olid_val": {"abuse": _comparison(-0.2)}}, rule, target_set=None).promote


def test_tuned_settings_override_only_what_is_named_and_weight_the_world_rows():
    settings = rebuild_settings(hold_out_world=True, steps=300, world_weight=0.5)
    assert (settings.steps, settings.world_weight) == (300, 0.5)
    assert settings.public_per_source == RetrainSettings().public_per_source
    assert not settings.school_val_rows and settings.world_holdout > 0
    frame, _ = training_frame([], settings, data_dir=None)
    trained_world = world_train_split(settings.seed, settings.world_holdout)[0]
    staff = pd.Series(world_categories(trained_world)) == "safeguarding_staff_contact"
    world = {deobfuscate(t) for t in trained_world["text"][~staff.to_numpy()]}
    weights = frame.loc[frame["text"].isin(world), "weight"]
    assert len(weights) and (weights == 0.5).all()
    # The shipped recipe's quarter weight on staff-contact rows applies on top.
    contact = {deobfuscate(t) for t in trained_world["text"][staff.to_numpy()]}
    weights = frame.loc[frame["text"].isin(contact), "weight"]
    assert len(weights) and (weights == 0.125).all()


def test_weekly_retrain_follows_the_shipped_recipe_and_keeps_its_thresholds():
    """Wide template names and category weights as the committed model trained with."""
    shipped, weekly = DataSettings(), RetrainSettings()
    assert weekly.wide_template_names == shipped.wide_template_names
    assert weekly.world_category_weights == shipped.world_category_weights
    assert not weekly.thresholds_from_validation
    frame, _ = training_frame([], weekly, data_dir=None)
    wide = load_school(weekly.seed, wide_names=True)
    fixed = load_school(weekly.seed, wide_names=False)
    only_wide = set(wide["text"]) - set(fixed["text"])
    only_fixed = set(fixed[fixed["source"] == "school"]["text"]) - set(wide["text"])
    trained = set(frame["text"])
    assert only_wide and {deobfuscate(t) for t in only_wide} & trained
    assert not {deobfuscate(t) for t in only_fixed} & trained


def test_validation_rows_are_the_school_quarter_minus_anything_trained_on():
    settings = rebuild_settings(hold_out_world=True)
    school = load_school(settings.seed, wide_names=settings.wide_template_names)
    quarter = [
        deobfuscate(t)
        for t in school[(school["source"] == "school") & (school["split"] == "val")]["text"]
    ]
    table = validation_table(settings, None, trained_texts={quarter[0]})
    assert set(table["text"]) == set(quarter) - {quarter[0]}  # no world fold: it judges
    assert (table["split"] == "val").all()
    # Training on the quarter leaves nothing of it to set thresholds.
    assert validation_table(RetrainSettings(), None, set()).empty


def test_training_table_holds_out_the_world_fold_and_weights_the_world_rows(
    datasets_dir: Path,
) -> None:
    """`trustwatch model train --world-rows --world-holdout --world-weight` (C5's runs)."""
    base = replace(OFF, world_rows=True, character_normalisation=True)
    seed = base.splits.seed
    held = replace(base, world_holdout=0.25, world_weight=0.25)
    everything = build_table(datasets_dir, base, seed)
    table = build_table(datasets_dir, held, seed)
    train_rows, fold = world_train_split(seed, 0.25)
    world = table[table["world_row"].eq(True)]
    assert set(world["text"]) == {deobfuscate(t) for t in train_rows["text"]}
    assert not set(table["text"]) & {deobfuscate(t) for t in fold["text"]}
    assert {deobfuscate(t) for t in fold["text"]} <= set(everything["text"])
    school_weight = held.source_weights["school"]
    assert world["weight"].eq(school_weight * 0.25).all()
    others = table[~table["world_row"].eq(True)]
    assert others["weight"].equals(everything[~everything["world_row"].eq(True)]["weight"])
    # Recorded (and so versioned) only when not at their defaults.
    record = train_record(replace(TrainConfig(), data=held))["data"]
    assert (record["world_holdout"], record["world_weight"]) == (0.25, 0.25)
    assert not set(SETTINGS_RECORDED_WHEN_ON) & set(
        train_record(replace(TrainConfig(), data=OFF))["data"]
    )


def test_world_options_without_world_rows_are_refused(
    capsys: pytest.CaptureFixture[str], datasets_dir: Path, tmp_path: Path
) -> None:
    args = ["model", "train", "--data", str(datasets_dir), "--out", str(tmp_path)]
    code = main([*args, "--no-world-rows", "--world-weight", "0.5"])
    text = "".join(capsys.readouterr())
    assert code == 2 and "drop --no-world-rows" in text and "Traceback" not in text
    assert not any(tmp_path.iterdir())  # nothing trained, nothing written


def test_a_lower_fold_safeguarding_recall_refuses_whatever_the_f1_gains() -> None:
    better = decide({WORLD_FOLD: {"complaint": _comparison(0.1)}}, PromotionRule(), WORLD_FOLD)
    assert better.promote
    kept = with_recall_clause(better, champion=0.902, challenger=0.902)
    assert kept.promote and not kept.reasons
    refused = with_recall_clause(better, champion=0.902, challenger=0.854)
    assert not refused.promote
    assert refused.reasons == [f"safeguarding recall on {WORLD_FOLD} is lower: 0.902 -> 0.854"]


def test_fold_recall_counts_the_positives_the_model_flags(model) -> None:
    rows = pd.DataFrame(
        {
            "text": [
                "I want to kill myself tonight, I can't do this anymore",
                "Thank you for a lovely sports day",
                "A man keeps messaging my 12 year old asking to meet her alone",
            ],
            "safeguarding": [1.0, 0.0, 1.0],
        }
    )
    assert safeguarding_recall(model, rows) == 1.0
    assert safeguarding_recall(model, rows[rows["safeguarding"] == 0]) == 1.0  # nothing to miss


def test_wide_names_and_a_recall_floor_are_recorded_and_versioned(
    capsys: pytest.CaptureFixture[str], datasets_dir: Path, tmp_path: Path
) -> None:
    """C7's options: recorded only when on, and a floor outside 0.5..1 is refused up front."""
    assert "wide_template_names" not in train_record(replace(TrainConfig(), data=OFF))["data"]
    wide = replace(OFF, wide_template_names=True, min_recall={"safeguarding": 0.95})
    record = train_record(replace(TrainConfig(), data=wide))["data"]
    assert record["wide_template_names"] is True
    assert record["min_recall"] == {"safeguarding": 0.95}
    assert DataSettings.from_record(record) == wide
    args = ["model", "train", "--data", str(datasets_dir), "--out", str(tmp_path)]
    code = main([*args, "--safeguarding-min-recall", "1.5"])
    text = "".join(capsys.readouterr())
    assert code == 2 and "--safeguarding-min-recall" in text and "Traceback" not in text
    assert not any(tmp_path.iterdir())


def test_a_world_category_weight_scales_only_that_category(datasets_dir: Path) -> None:
    """`--world-category-weight` (C9): one category counts less, every other row as before."""
    base = replace(OFF, world_rows=True)
    scaled = replace(base, world_category_weights={"safeguarding_staff_contact": 0.25})
    before = build_table(datasets_dir, base, 13)
    after = build_table(datasets_dir, scaled, 13)
    target = after["world_category"].eq("safeguarding_staff_contact")
    assert target.sum() == (world_train_frame()["category"] == "safeguarding_staff_contact").sum()
    assert (after.loc[target, "weight"] == before.loc[target, "weight"] * 0.25).all()
    assert after.loc[~target, "weight"].equals(before.loc[~target, "weight"])
    record = train_record(replace(TrainConfig(), data=scaled))["data"]
    assert record["world_category_weights"] == {"safeguarding_staff_contact": 0.25}
    assert "world_category_weights" not in train_record(replace(TrainConfig(), data=OFF))["data"]


@pytest.mark.parametrize("pair", ["safeguarding_staf_contact=0.5", "negative_office=0", "x"])
def test_a_bad_world_category_weight_is_named_and_refused(
    pair: str, capsys: pytest.CaptureFixture[str], datasets_dir: Path, tmp_path: Path
) -> None:
    args = ["model", "train", "--data", str(datasets_dir), "--out", str(tmp_path), "--world-rows"]
    code = main([*args, "--world-category-weight", pair])
    text = "".join(capsys.readouterr())
    assert code == 2 and pair in text and "safeguarding_staff_contact" in text
    assert "Traceback" not in text and not any(tmp_path.iterdir())


def test_a_normalisation_mode_is_read_in_training_and_recorded_only_when_not_the_first(
    capsys: pytest.CaptureFixture[str], datasets_dir: Path, tmp_path: Path
) -> None:
    """`--normalisation-mode` (C19): training reads the world rows in the mode the artefact
    will serve, so an emoji insult reaches the model as the word a reader sees."""
    from classifiers.text import CHARACTERS, CHARACTERS_5

    base = replace(OFF, world_rows=True, character_normalisation=True)
    first = build_table(datasets_dir, base, 13)
    fifth = build_table(datasets_dir, replace(base, normalisation_mode=CHARACTERS_5), 13)
    assert len(first) == len(fifth)
    assert any("🐷" in t for t in first["text"])  # the world rows hold emoji insults
    assert not any("🐷" in t for t in fifth["text"])
    changed = first["text"] != fifth["text"]
    assert changed.any()
    assert fifth.loc[changed, "text"].str.contains(r"\bpig\b").any()
    assert "normalisation_mode" not in train_record(replace(TrainConfig(), data=base))["data"]
    record = train_record(
        replace(TrainConfig(), data=replace(base, normalisation_mode=CHARACTERS_5))
    )["data"]
    assert record["normalisation_mode"] == CHARACTERS_5
    assert (
        DataSettings.from_record({**record, "normalisation_mode": CHARACTERS}).normalisation_mode
        == CHARACTERS
    )
    args = ["model", "train", "--data", str(datasets_dir), "--out", str(tmp_path)]
    code = main([*args, "--normalisation-mode", CHARACTERS_5, "--no-character-normalisation"])
    text = "".join(capsys.readouterr())
    assert code == 2 and "--normalisation-mode" in text and "Traceback" not in text
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_a_rebuild_can_start_from_another_artefact_and_reads_its_mode(
    datasets_dir: Path, tmp_path: Path
) -> None:
    """C22 fine-tunes the shipped weights moved to `characters-6`: the rebuild starts from
    that copy, reads its mode and records it as the version it started from."""
    from classifiers.active import shipped_artefact
    from classifiers.artefact import read_config
    from classifiers.text import CHARACTERS_6
    from classifiers.training.rebuild import rebuild
    from classifiers.training.refresh_rules import refresh_normalisation

    base = tmp_path / "base"
    started_from = refresh_normalisation(shipped_artefact(), base, mode=CHARACTERS_6)
    built = rebuild(
        datasets_dir, tmp_path / "out", True, start_from=base, steps=2, public_per_source=5, seed=14
    )
    config = read_config(tmp_path / "out")
    assert config["text_normalisation"] == CHARACTERS_6
    assert built.lineage["started_from"] == started_from
    assert built.lineage["settings"]["seed"] == 14 and built.lineage["fit"]["steps"] == 2


def test_a_missing_start_from_folder_is_named_and_refused(
    capsys: pytest.CaptureFixture[str], datasets_dir: Path, tmp_path: Path
) -> None:
    args = ["model", "rebuild", "--data", str(datasets_dir), "--out", str(tmp_path / "out")]
    code = main([*args, "--start-from", str(tmp_path / "nowhere")])
    text = "".join(capsys.readouterr())
    assert code == 2 and "--start-from" in text and "nowhere" in text
    assert "Traceback" not in text and not (tmp_path / "out").exists()


def test_a_rebuild_can_blend_and_keep_the_starting_thresholds_but_not_train_on_validation():
    settings = rebuild_settings(hold_out_world=False, blend=0.5, thresholds_from_validation=False)
    assert settings.blend == 0.5 and not settings.thresholds_from_validation
    # Whatever is tuned, the clean validation stays out of training.
    assert not settings.school_val_rows
    assert rebuild_settings(hold_out_world=False).thresholds_from_validation
