"""The committed artefact: small, complete, and versioned by its content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from classifiers.artefact import (
    ARTEFACTS_DIR,
    DEFAULT_ARTEFACT,
    HEADS_FILE,
    artefact_version,
    read_config,
)
from classifiers.labels import LABELS

DEFAULT_DIR = ARTEFACTS_DIR / DEFAULT_ARTEFACT


def test_artefact_is_under_20_mb() -> None:
    size = sum(p.stat().st_size for p in DEFAULT_DIR.rglob("*") if p.is_file())
    assert 0 < size < 20 * 1024 * 1024


def test_config_records_what_inference_needs() -> None:
    config = read_config(DEFAULT_DIR)
    assert config["labels"] == list(LABELS)
    assert set(config["thresholds"]) >= set(LABELS)
    assert all(0.0 < config["thresholds"][label] < 1.0 for label in LABELS)
    assert config["base_model"]["id"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert 32 <= config["max_length"] <= 512
    assert config["data"]["epoch_rows"] > 0


def test_version_changes_when_weights_change(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(DEFAULT_DIR, copy)
    before = artefact_version(copy)
    assert before == artefact_version(DEFAULT_DIR)
    heads = load_file(str(copy / HEADS_FILE))
    name = next(iter(heads))
    heads[name] = heads[name] + 1e-3 * torch.ones_like(heads[name])
    save_file(heads, str(copy / HEADS_FILE))
    assert artefact_version(copy) != before


def test_version_changes_when_config_changes_but_not_with_metrics(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(DEFAULT_DIR, copy)
    before = artefact_version(copy)
    (copy / "metrics.json").write_text("{}", encoding="utf-8")
    (copy / "MODEL_CARD.md").write_text("edited", encoding="utf-8")
    assert artefact_version(copy) == before
    config = json.loads((copy / "config.json").read_text(encoding="utf-8"))
    config["training"]["wall_seconds"] = 1.0  # how long it took is not what it computes
    (copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert artefact_version(copy) == before
    config["thresholds"]["abuse"] = 0.123
    (copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert artefact_version(copy) != before


def test_version_ignores_target_module_order(tmp_path: Path) -> None:
    """peft writes target_modules from a set; a reproduced run must not get a new version."""
    copy = tmp_path / "copy"
    shutil.copytree(DEFAULT_DIR, copy)
    before = artefact_version(copy)
    path = copy / "adapter" / "adapter_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config["target_modules"] = list(reversed(config["target_modules"]))
    path.write_text(json.dumps(config), encoding="utf-8")
    assert artefact_version(copy) == before


def test_committed_artefact_was_trained_with_the_current_defaults() -> None:
    """`trustwatch model train` must rebuild the committed model bit for bit.

    A training default changed (or added) without retraining would silently break that, and
    would also change the version a rebuilt artefact gets, since the stored config is hashed.
    """
    from dataclasses import asdict

    from classifiers.training.train import TrainConfig, train_record

    config = TrainConfig()
    expected = train_record(config)
    # Settings added later are recorded only when switched on (issue 20's world rows and
    # character normalisation), so the defaults' record is the committed one.
    assert set(json.loads(json.dumps(asdict(config), default=str))["data"]) >= set(expected["data"])
    # Training sets the adapted layers from the encoder's depth: all six above the frozen ones.
    expected["lora"]["layers"] = list(range(config.run.frozen_layers, 6))
    assert read_config(DEFAULT_DIR)["train_config"] == expected


def test_a_run_cut_short_by_the_wall_clock_says_so() -> None:
    """A run the budget stopped is not the configured model; training must not pass silently."""
    from classifiers.training.train import early_stop_warning

    cut = {"training": {"stopped_early": True, "steps": 1035, "planned_steps": 1200}}
    warning = early_stop_warning(cut)
    assert warning is not None and "step 1035 of 1200" in warning and "--max-minutes" in warning
    assert early_stop_warning({"training": {"stopped_early": False, "steps": 1200}}) is None
    # The committed model ran its planned steps.
    assert early_stop_warning(read_config(DEFAULT_DIR)) is None


def test_an_artefacts_record_reads_back_as_the_settings_it_trained_with() -> None:
    """A setting added after a model trained is absent from its record and means "off".

    Soups and interpolations rebuild a model's data from its record; were a later default
    switched on, reading an older record must not quietly turn it on for that model.
    """
    from dataclasses import replace

    from classifiers.training.train import (
        SETTINGS_RECORDED_WHEN_ON,
        DataSettings,
        TrainConfig,
        train_record,
    )

    record = read_config(DEFAULT_DIR)["train_config"]
    settings = DataSettings.from_record(record["data"])
    assert train_record(replace(TrainConfig(), data=settings))["data"] == record["data"]
    # A model trained before the issue 20 settings (de1002fb's recipe) records none of them.
    before = replace(DataSettings(), **SETTINGS_RECORDED_WHEN_ON)
    older = train_record(replace(TrainConfig(), data=before))["data"]
    assert not set(SETTINGS_RECORDED_WHEN_ON) & set(older)
    assert DataSettings.from_record(older) == before != DataSettings()
