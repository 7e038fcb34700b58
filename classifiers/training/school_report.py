"""The school check sets alone: per-label figures and a per-category table, in a minute.

`trustwatch model check-school` prints this; `trustwatch model evaluate` adds the same
figures to metrics.json and the model card. Needs no public datasets: the check sets are
the project's own files. Thresholds are the artefact's (never tuned on these rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from classifiers.inference import TransformerClassifier
from classifiers.labels import LABELS
from classifiers.training.evaluate import binary_metrics
from classifiers.training.school import categorised, check_sets


def category_table(
    frame: pd.DataFrame,
    scores: pd.DataFrame,
    thresholds: dict[str, float],
    labels: Sequence[str] = LABELS,
) -> dict[str, dict[str, Any]]:
    """Per category: rows, rows whose decisions on `labels` are all right, misses and false
    flags (a trust's own file may label only some of the five)."""
    truth = frame[list(labels)].to_numpy() == 1
    flagged = np.column_stack([scores[label].to_numpy() >= thresholds[label] for label in labels])
    out: dict[str, dict[str, Any]] = {}
    for category in sorted(frame["category"].unique()):
        rows = (frame["category"] == category).to_numpy()
        t, f = truth[rows], flagged[rows]
        out[str(category)] = {
            "n": int(rows.sum()),
            "all_right": int((t == f).all(axis=1).sum()),
            "missed": {lab: int((t[:, i] & ~f[:, i]).sum()) for i, lab in enumerate(labels)},
            "false_flags": {lab: int((~t[:, i] & f[:, i]).sum()) for i, lab in enumerate(labels)},
        }
    return out


def school_report(artefact_dir: Path | str) -> dict[str, Any]:
    """Per-label metrics on each school check set, and the category tables of the two sets
    that name categories. Each set is scored once; the tables and the pooled figures reuse
    those scores (`check_sets` keeps each file's row order)."""
    classifier = TransformerClassifier(artefact_dir, precision="fp32")
    thresholds = classifier.thresholds
    report: dict[str, Any] = {"version": classifier.version, "sets": {}}
    sets = check_sets()
    scores = {
        name: classifier.predict_proba(frame["text"].tolist()) for name, frame in sets.items()
    }
    for name, frame in sets.items():
        report["sets"][name] = {
            label: binary_metrics(
                frame[label].to_numpy(), scores[name][label].to_numpy(), thresholds[label]
            )
            for label in LABELS
            if label in frame and frame[label].nunique() == 2
        }
    for key, name in CATEGORY_TABLES.items():
        report[key] = category_table(categorised(name), scores[name], thresholds)
    pooled = ("school_check", "world_check")
    both = pd.concat([sets[name] for name in pooled], ignore_index=True)
    both_scores = pd.concat([scores[name] for name in pooled], ignore_index=True)
    report["sets"]["school_check+world_check"] = {
        label: binary_metrics(
            both[label].to_numpy(), both_scores[label].to_numpy(), thresholds[label]
        )
        for label in LABELS
    }
    return report


# The report's category tables, with the set each one comes from.
CATEGORY_TABLES: dict[str, str] = {
    "categories": "world_check",
    "coded_categories": "coded_probe",
    "coded_2_categories": "coded_probe_2",
    "fresh_categories": "fresh_check",
    "hate_code_categories": "hate_code_probe",
    "hate_code_2_categories": "hate_code_probe_2",
    "safeguarding_code_categories": "safeguarding_code_probe",
    "safeguarding_code_2_categories": "safeguarding_code_probe_2",
    "complaint_group_categories": "complaint_group_probe",
    "complaint_group_2_categories": "complaint_group_probe_2",
}


def format_report(report: dict[str, Any]) -> str:
    lines = [f"model version {report['version']}"]
    for name, labels in report["sets"].items():
        for label, m in labels.items():
            lines.append(
                f"{name:26} {label:12} n={m['n']:4d} pos={m['positives']:3d} "
                f"P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f}"
            )
    for key, title in CATEGORY_TABLES.items():
        lines.append("")
        lines += format_category_table(report.get(key, {}), f"{title} category")
    return "\n".join(lines)


def format_category_table(table: dict[str, dict[str, Any]], heading: str) -> list[str]:
    """One line per category: rows, rows all right, then what was missed / falsely flagged."""
    lines = [f"{heading:28} {'n':>3} {'right':>5}  missed / false flags"]
    for category, c in table.items():
        missed = ", ".join(f"{k} {v}" for k, v in c["missed"].items() if v)
        false = ", ".join(f"{k} {v}" for k, v in c["false_flags"].items() if v)
        lines.append(
            f"{category:28} {c['n']:3d} {c['all_right']:5d}  {missed or '-'} / {false or '-'}"
        )
    return lines
