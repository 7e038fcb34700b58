"""Merging part of the fine-tuned delta: exact weights, exact restore, recalibrated artefacts."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from classifiers.artefact import ADAPTER_DIR, ARTEFACTS_DIR, DEFAULT_ARTEFACT
from classifiers.model import LoraSettings, lora_b_weights, scale_lora_delta, scaled_lora_delta
from classifiers.training.interpolate import WEIGHT_FILES

COMMITTED = ARTEFACTS_DIR / DEFAULT_ARTEFACT
QUERY = "encoder.layer.2.attention.self.query.weight"


def _merged_query(scale: float) -> torch.Tensor:
    """Layer 2's query weight after merging the committed adapter at `scale`."""
    from peft import PeftModel

    from classifiers.encoder import load_base_encoder

    adapted = PeftModel.from_pretrained(
        load_base_encoder(), str(COMMITTED / ADAPTER_DIR), local_files_only=True
    )
    scale_lora_delta(adapted, scale)
    return adapted.merge_and_unload().state_dict()[QUERY].clone()


def test_merged_weights_move_the_stated_fraction_of_the_delta() -> None:
    from classifiers.encoder import load_base_encoder

    base = load_base_encoder().state_dict()[QUERY]
    full = _merged_query(1.0)
    assert not torch.equal(full, base)
    # Zero merges nothing: the pre-trained weight exactly.
    assert torch.equal(_merged_query(0.0), base)
    torch.testing.assert_close(_merged_query(0.9) - base, 0.9 * (full - base), atol=1e-6, rtol=0)


def test_scaled_delta_is_undone_exactly_after_the_block() -> None:
    from peft import PeftModel

    from classifiers.encoder import load_base_encoder

    adapted = PeftModel.from_pretrained(
        load_base_encoder(), str(COMMITTED / ADAPTER_DIR), local_files_only=True
    )
    before = {name: w.detach().clone() for name, w in lora_b_weights(adapted).items()}
    # query, key, value and the three dense products in each of the four adapted layers
    assert len(before) == 24
    with scaled_lora_delta(adapted, 0.5):
        name, weight = next(iter(lora_b_weights(adapted).items()))
        torch.testing.assert_close(weight, before[name] * 0.5)
    for name, weight in lora_b_weights(adapted).items():
        assert torch.equal(weight, before[name])


def test_artefacts_from_before_the_setting_merged_the_whole_delta() -> None:
    record = {"rank": 16, "alpha": 32, "dropout": 0.1, "target_modules": ["query"], "layers": [2]}
    assert LoraSettings.from_record(record).delta_scale == 1.0
    assert LoraSettings.from_record({**record, "delta_scale": 0.9}).delta_scale == 0.9


@pytest.mark.slow
def test_interpolating_writes_the_same_adapter_at_a_new_scale_and_recalibrates(
    datasets_dir: Path, tmp_path: Path
) -> None:
    """Calibrated on a small validation sample so the test stays quick."""
    from classifiers.artefact import artefact_version, delta_scale, read_config, write_config
    from classifiers.inference import TransformerClassifier
    from classifiers.training.interpolate import interpolate_artefact

    source = tmp_path / "source"
    shutil.copytree(COMMITTED, source)
    config = read_config(source)
    config["train_config"]["data"]["sample"] = 40
    write_config(source, config)
    # Recalibrated on the sample at the source's own fraction: the reference for the round trip.
    start = tmp_path / "start"
    interpolate_artefact(source, start, delta_scale(config), datasets_dir)

    half = tmp_path / "half"
    version = interpolate_artefact(start, half, 0.5, datasets_dir)
    assert version == artefact_version(half) != artefact_version(start)
    for name in WEIGHT_FILES:
        assert (half / name).read_bytes() == (COMMITTED / name).read_bytes()
    written = read_config(half)
    assert written["train_config"]["lora"]["delta_scale"] == 0.5
    assert written["training"]["interpolated_from"] == artefact_version(start)
    assert written["thresholds"] != read_config(start)["thresholds"]

    texts = ["Mr Jones is a useless fat idiot", "Thank you for a lovely sports day"]
    original = TransformerClassifier(start).predict_proba(texts).to_numpy()
    halved = TransformerClassifier(half).predict_proba(texts).to_numpy()
    assert np.abs(halved - original).max() > 0.01
    # Back at the starting fraction: the same model, the same thresholds, the same version.
    back = tmp_path / "back"
    assert interpolate_artefact(half, back, delta_scale(config), datasets_dir) == (
        artefact_version(start)
    )
    np.testing.assert_array_equal(
        TransformerClassifier(back).predict_proba(texts).to_numpy(), original
    )


def test_interpolate_command_refuses_bad_scales_and_its_own_source_cleanly(
    datasets_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from trustwatch.cli import main

    args = ["model", "interpolate", "--data", str(datasets_dir), "--artefact", str(COMMITTED)]
    assert main([*args, "--delta-scale", "1.5", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "--delta-scale" in err and "Traceback" not in err
    assert main([*args, "--delta-scale", "0.5", "--out", str(COMMITTED)]) == 2
    err = capsys.readouterr().err
    assert "is the source artefact" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_model_card_states_a_partial_merge() -> None:
    from classifiers.training.model_card import _delta_scale_text

    lora = {"rank": 16, "alpha": 32, "dropout": 0.1, "target_modules": ["query"], "layers": [2]}
    partial = _delta_scale_text({"train_config": {"lora": {**lora, "delta_scale": 0.9}}})
    assert "at 0.9 of their fine-tuned delta" in partial and "10% of the way" in partial
    assert _delta_scale_text({"train_config": {"lora": lora}}) == ""


def test_model_card_names_the_model_an_interpolation_came_from() -> None:
    from classifiers.training.model_card import _interpolated_lines

    (line,) = _interpolated_lines({"training": {"interpolated_from": "a0aa2713339a942c"}})
    assert "version `a0aa2713339a942c`" in line and "trustwatch model interpolate" in line
    assert _interpolated_lines({"training": {"steps": 1200}}) == []


def test_train_command_refuses_a_delta_scale_outside_0_to_1(
    datasets_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from trustwatch.cli import main

    args = ["model", "train", "--data", str(datasets_dir), "--out", str(tmp_path / "x")]
    assert main([*args, "--delta-scale", "-0.1"]) == 2
    err = capsys.readouterr().err
    assert "--delta-scale" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
