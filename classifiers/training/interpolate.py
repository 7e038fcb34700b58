"""Merging a trained adapter at another fraction of its delta (weight-space interpolation).

Fine-tuning moves the encoder toward the training data; merging only part of that move
(WiSE-FT, Wortsman et al. 2022) tends to keep more of the pre-trained model's robustness to
data unlike the training set at little cost on data like it. The adapter is stored as
trained and the fraction is part of the training config (`lora.delta_scale`), so another
fraction needs no retraining: this writes the same adapter and heads with the new fraction
and thresholds recalibrated on validation, exactly what `trustwatch model train
--delta-scale` would write.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from classifiers.artefact import (
    ADAPTER_CONFIG,
    ADAPTER_WEIGHTS,
    HEADS_FILE,
    artefact_version,
    load_adapted,
    read_config,
    write_config,
)
from classifiers.model import scaled_lora_delta

WEIGHT_FILES = (ADAPTER_WEIGHTS, ADAPTER_CONFIG, HEADS_FILE)


def check_delta_scale(value: float) -> None:
    """0 is the pre-trained encoder, 1 the fine-tuned one; outside that is extrapolation."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"delta scale {value} is outside 0 to 1 (0 = pre-trained, 1 = fine-tuned)")


def interpolate_artefact(
    artefact_dir: Path, out_dir: Path, delta_scale: float, data_dir: Path
) -> str:
    """Write `artefact_dir`'s model merged at `delta_scale` to `out_dir`; return its version.

    Thresholds are calibrated the way training calibrates them (on the unmerged adapter, its
    delta scaled), so the result is byte for byte what training with that fraction writes.
    """
    from classifiers.encoder import load_tokenizer
    from classifiers.training.train import DataSettings, build_table, calibrate

    check_delta_scale(delta_scale)
    artefact_dir, out_dir = Path(artefact_dir), Path(out_dir)
    if out_dir.resolve() == artefact_dir.resolve():
        raise ValueError(f"{out_dir} is the source artefact; write the interpolation elsewhere")
    config = read_config(artefact_dir)
    train_config = config["train_config"]
    settings = DataSettings.from_record(train_config["data"])
    table = build_table(Path(data_dir), settings, int(train_config["run"]["seed"]))
    network = load_adapted(artefact_dir, config)
    with scaled_lora_delta(network.encoder, delta_scale):
        config["thresholds"] = calibrate(
            network, load_tokenizer(), table, int(config["max_length"]), settings.min_recall
        )
    train_config["lora"]["delta_scale"] = delta_scale
    config.setdefault("training", {})["interpolated_from"] = artefact_version(artefact_dir)
    for name in WEIGHT_FILES:
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artefact_dir / name, out_dir / name)
    write_config(out_dir, config)
    return artefact_version(out_dir)
