"""Refreshing an artefact's safeguarding rules without touching its weights."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from classifiers.artefact import (
    ARTEFACTS_DIR,
    DEFAULT_ARTEFACT,
    artefact_version,
    read_config,
    write_config,
)
from classifiers.inference import TransformerClassifier
from classifiers.safeguarding_rules import RULE_SCORE, artefact_rules
from classifiers.text import CHARACTERS, CHARACTERS_2, CHARACTERS_3
from classifiers.training.interpolate import WEIGHT_FILES
from classifiers.training.refresh_rules import (
    LINEAGE_KEY,
    NORMALISATION_LINEAGE_KEY,
    THRESHOLDS_LINEAGE_KEY,
    refresh_normalisation,
    refresh_rules,
    refresh_thresholds,
)

LESSON = "Thoughtful PSHE lesson this morning on suicide prevention and who to talk to"


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    """The committed artefact as it was before the educational context: rules without it."""
    folder = tmp_path / "legacy"
    shutil.copytree(ARTEFACTS_DIR / DEFAULT_ARTEFACT, folder)
    config = read_config(folder)
    config["safeguarding_rules"].pop("educational_context", None)
    write_config(folder, config)
    return folder


def _assert_a_copy_changing_only(
    source: Path, out: Path, version: str, key: str, lineage: str
) -> dict:
    """Weights byte-identical, a new version, and the config equal but for `key` and its
    lineage entry; returns the copy's config."""
    assert version == artefact_version(out) != artefact_version(source)
    for name in WEIGHT_FILES:
        assert (out / name).read_bytes() == (source / name).read_bytes()
    before, after = read_config(source), read_config(out)
    assert after["training"][lineage] == artefact_version(source)
    changed = read_config(out)
    for config in (before, after):
        config.pop(key, None)
        config["training"].pop(lineage, None)
    assert json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True)
    return changed


def test_refresh_changes_only_the_rules_and_records_lineage(legacy: Path, tmp_path: Path) -> None:
    out = tmp_path / "refreshed"
    version = refresh_rules(legacy, out)
    after = _assert_a_copy_changing_only(legacy, out, version, "safeguarding_rules", LINEAGE_KEY)
    assert after["safeguarding_rules"] == artefact_rules()
    assert after.get("text_normalisation") == read_config(legacy).get("text_normalisation")


def test_refresh_refuses_to_overwrite_its_source(legacy: Path) -> None:
    with pytest.raises(ValueError, match="source artefact"):
        refresh_rules(legacy, legacy)


def _on_first_mode(folder: Path) -> Path:
    config = read_config(folder)
    config["text_normalisation"] = CHARACTERS
    write_config(folder, config)
    return folder


def test_moving_to_the_second_mode_changes_only_the_mode(legacy: Path, tmp_path: Path) -> None:
    source = _on_first_mode(legacy)
    out = tmp_path / "second"
    version = refresh_normalisation(source, out)
    after = _assert_a_copy_changing_only(
        source, out, version, "text_normalisation", NORMALISATION_LINEAGE_KEY
    )
    assert after["text_normalisation"] == CHARACTERS_2


def test_only_a_model_on_the_first_mode_moves_to_the_second(legacy: Path, tmp_path: Path) -> None:
    config = read_config(legacy)
    config.pop("text_normalisation", None)
    write_config(legacy, config)
    with pytest.raises(ValueError, match="only a 'characters' model"):
        refresh_normalisation(legacy, tmp_path / "out")
    with pytest.raises(ValueError, match="source artefact"):
        refresh_normalisation(_on_first_mode(legacy), legacy)


@pytest.mark.slow
def test_the_second_mode_scores_a_spaced_insult_as_written(legacy: Path, tmp_path: Path) -> None:
    """Same weights: on the second mode, the spaced and the written insult are one text."""
    source = _on_first_mode(legacy)
    refresh_normalisation(source, tmp_path / "second")
    first, second = TransformerClassifier(source), TransformerClassifier(tmp_path / "second")
    spaced, written = "shut up you s l u t", "shut up you slut"
    assert second.predict_tasks([spaced]).equals(second.predict_tasks([written]))
    assert not first.predict_tasks([spaced]).equals(first.predict_tasks([written]))


@pytest.mark.slow
def test_refreshed_rules_stop_raising_a_lesson_the_old_ones_raised(
    legacy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "refreshed"
    refresh_rules(legacy, out)
    old = TransformerClassifier(legacy, threads=1).predict_proba([LESSON])["safeguarding"][0]
    new = TransformerClassifier(out, threads=1).predict_proba([LESSON])["safeguarding"][0]
    assert old >= RULE_SCORE > new


def test_a_model_on_an_earlier_mode_moves_to_the_third(legacy: Path, tmp_path: Path) -> None:
    second = tmp_path / "second"
    refresh_normalisation(_on_first_mode(legacy), second)
    version = refresh_normalisation(second, tmp_path / "third", CHARACTERS_3)
    after = _assert_a_copy_changing_only(
        second, tmp_path / "third", version, "text_normalisation", NORMALISATION_LINEAGE_KEY
    )
    assert after["text_normalisation"] == CHARACTERS_3
    with pytest.raises(ValueError, match="only a 'characters' or 'characters-2' model"):
        refresh_normalisation(tmp_path / "third", tmp_path / "again", CHARACTERS_3)
    with pytest.raises(ValueError, match="not a later character mode"):
        refresh_normalisation(second, tmp_path / "back", CHARACTERS)


def test_a_threshold_refresh_changes_only_the_named_thresholds(tmp_path: Path) -> None:
    source = ARTEFACTS_DIR / DEFAULT_ARTEFACT
    out = tmp_path / "refit"
    version = refresh_thresholds(source, out, {"hate": 0.25})
    changed = _assert_a_copy_changing_only(
        source, out, version, "thresholds", THRESHOLDS_LINEAGE_KEY
    )
    before = read_config(source)["thresholds"]
    assert changed["thresholds"] == {**before, "hate": 0.25}
    assert TransformerClassifier(out).thresholds["hate"] == 0.25
    with pytest.raises(ValueError, match="no threshold for"):
        refresh_thresholds(source, tmp_path / "other", {"sarcasm": 0.5})
    with pytest.raises(ValueError, match="source artefact"):
        refresh_thresholds(out, out, {"hate": 0.3})
