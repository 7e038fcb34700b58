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

from classifiers.artefact import read_config
from classifiers.inference import TransformerClassifier
from classifiers.training.calibrate import best_threshold
from classifiers.training.school import check_sets, load_school

# Per label, the school sets pooled to refit it on ("school_val": the school rows' seeded
# validation quarter, which training holds out).
SCHOOL_THRESHOLD_SETS: dict[str, tuple[str, ...]] = {
    "complaint": ("school_val", "school_check", "world_check", "coded_probe"),
    "hate": ("school_val", "school_check", "world_check", "coded_probe", "identity_check"),
}


def school_thresholds(
    artefact_dir: Path, sets: dict[str, tuple[str, ...]] = SCHOOL_THRESHOLD_SETS
) -> dict[str, float]:
    """Each named label's macro-F1 threshold over the artefact's scores on its pooled sets.

    `refresh_rules.refresh_thresholds` writes them into a candidate artefact.
    """
    named = {name for names in sets.values() for name in names}
    if "fresh_check" in named:
        raise ValueError("fresh_check chooses nothing (docs/classifier-experiments.md, C19)")
    frames = check_sets()
    school = load_school(
        wide_names=read_config(artefact_dir)["train_config"]["data"].get(
            "wide_template_names", False
        )
    )
    frames["school_val"] = school[school["split"] == "val"]
    classifier = TransformerClassifier(artefact_dir, precision="fp32")
    scores = {name: classifier.predict_proba(frames[name]["text"].tolist()) for name in named}
    out = {}
    for label, names in sets.items():
        known = [frames[name][label].notna().to_numpy() for name in names]
        truth = [frames[name][label].to_numpy()[k] for name, k in zip(names, known, strict=True)]
        score = [scores[name][label].to_numpy()[k] for name, k in zip(names, known, strict=True)]
        out[label] = best_threshold(np.concatenate(truth), np.concatenate(score))
    return out
