"""Thresholds refitted to school posts for the labels whose validation pool is public text.

A production threshold is the macro-F1 optimum over every validation split annotating its
label (`train.calibrate`). For complaint and hate that pool is almost all brand complaints
and hate tweets, and in school posts the served model flags both with high precision and
low recall. This refits those two on the school rows the weights never trained on; it
built candidate C20 (docs/classifier-experiments.md), which the declared rule refused
because public validation complaint fell beyond its band while unseen school posts barely
moved. It stays as the tool that reproduces C20 and any later threshold experiment.
`fresh_check` is never among the sets: it is the one school set no choice is made on. A
trust's own verdicts replace thresholds label by label once it has enough of them
(`retrain.verdict_thresholds`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifiers.artefact import artefact_version, read_config
from classifiers.inference import TransformerClassifier
from classifiers.training.calibrate import best_threshold
from classifiers.training.refresh_rules import _source_and_target, _write_copy
from classifiers.training.school import check_sets, load_school

THRESHOLDS_LINEAGE_KEY = "thresholds_updated_from"
# Per label, the school sets pooled to refit it on ("school_val": the school rows' seeded
# validation quarter, which training holds out).
SCHOOL_THRESHOLD_SETS: dict[str, tuple[str, ...]] = {
    "complaint": ("school_val", "school_check", "world_check", "coded_probe"),
    "hate": ("school_val", "school_check", "world_check", "coded_probe", "identity_check"),
}


def school_thresholds(
    artefact_dir: Path, sets: dict[str, tuple[str, ...]] = SCHOOL_THRESHOLD_SETS
) -> dict[str, float]:
    """Each named label's macro-F1 threshold over the artefact's scores on its pooled sets."""
    classifier = TransformerClassifier(artefact_dir, precision="fp32")
    frames = check_sets()
    school = load_school(
        wide_names=read_config(artefact_dir)["train_config"]["data"].get(
            "wide_template_names", False
        )
    )
    frames["school_val"] = school[school["split"] == "val"]
    out = {}
    for label, names in sets.items():
        if "fresh_check" in names:
            raise ValueError("fresh_check chooses nothing (docs/classifier-experiments.md, C19)")
        truth, scores = [], []
        for name in names:
            frame = frames[name]
            frame = frame[frame[label].notna()]
            truth.append(frame[label].to_numpy())
            scores.append(classifier.predict_proba(frame["text"].tolist())[label].to_numpy())
        out[label] = best_threshold(np.concatenate(truth), np.concatenate(scores))
    return out


def refresh_thresholds(artefact_dir: Path, out_dir: Path, thresholds: dict[str, float]) -> str:
    """Write `artefact_dir` to `out_dir` with the named thresholds replaced; the new version."""
    artefact_dir, out_dir = _source_and_target(artefact_dir, out_dir)
    config = read_config(artefact_dir)
    unknown = set(thresholds) - set(config["thresholds"])
    if unknown:
        raise ValueError(f"{artefact_dir} has no threshold for {sorted(unknown)}")
    config["thresholds"] = {**config["thresholds"], **thresholds}
    config.setdefault("training", {})[THRESHOLDS_LINEAGE_KEY] = artefact_version(artefact_dir)
    return _write_copy(artefact_dir, out_dir, config)
