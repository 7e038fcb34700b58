"""Score a CSV of posts with a model, and measure it where the file carries labels.

A trust should see how the model does on its own posts before it relies on it, and data
staff sometimes need a batch scored outside the warehouse (an export, a complaint log). The
check sets are the project's; this reads the trust's. Decisions use the artefact's own
thresholds, exactly as the hourly `classify` job does, so the figures are what the alert
queue would show. Nothing here touches the warehouse or the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from classifiers.labels import LABELS
from classifiers.language import OTHER_LANGUAGE, THRESHOLD, other_language_scores
from classifiers.protocol import Classifier
from classifiers.training.evaluate import binary_metrics
from classifiers.training.school_report import category_table, format_category_table

# A label column may say yes or no in the ways spreadsheets do; a blank cell is "not labelled".
_YES = frozenset({"1", "1.0", "true", "yes", "y"})
_NO = frozenset({"0", "0.0", "false", "no", "n"})


class PostsFileError(ValueError):
    """The file cannot be scored as given; the message names the file, the column and the fix."""


@dataclass(frozen=True)
class ScoredPosts:
    """Each post's scores and decisions, and the figures for every labelled column."""

    version: str
    thresholds: dict[str, float]
    scored: pd.DataFrame
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_posts(path: Path, text_column: str = "text") -> pd.DataFrame:
    """The file's rows as strings, refused with a fix when it cannot be what we score."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise PostsFileError(f"{path}: no such file. Fix: give the path of a CSV file.") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PostsFileError(
            f"{path}: not a readable UTF-8 CSV file ({first_line}). Fix: save it as CSV "
            "(UTF-8) with a header row."
        ) from None
    if text_column not in frame.columns:
        columns = ", ".join(frame.columns) or "none"
        raise PostsFileError(
            f"{path}: no column {text_column!r} (columns: {columns}). Fix: name the column "
            "that holds each post's text with --text-column."
        )
    for label in LABELS:
        if label in frame and label != text_column:
            frame[label] = _label_values(path, frame[label])
    return frame


def _label_values(path: Path, column: pd.Series) -> pd.Series:
    """A label column as 1, 0 or <NA> (a blank cell); any other value is refused by line."""
    cells = column.str.strip().str.lower()
    bad = ~(cells.isin(_YES) | cells.isin(_NO) | (cells == ""))
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise PostsFileError(
            f"{path}: column {column.name!r}, line {row + 2}: {column.iloc[row]!r} is not a "
            "label. Fix: write 1 (the post is this), 0 (it is not) or leave the cell blank "
            "(not labelled)."
        )
    values = cells.map(lambda cell: 1 if cell in _YES else 0 if cell in _NO else None)
    return values.astype("Int64")


def score_posts(
    frame: pd.DataFrame, classifier: Classifier, text_column: str = "text"
) -> ScoredPosts:
    """Score every row of `read_posts`' frame; measure each label whose column the file has,
    on the rows that label (a file may label only some posts, or some labels)."""
    labels = list(classifier.labels)
    thresholds = dict(classifier.thresholds)
    texts = frame[text_column].tolist()
    proba = classifier.predict_proba(texts)
    scored = frame.copy()
    for label in labels:
        scored[f"score_{label}"] = proba[label].round(4).to_numpy()
        scored[f"flag_{label}"] = (proba[label] >= thresholds[label]).astype(int).to_numpy()
    language = pd.Series(other_language_scores(texts), index=frame.index)
    scored[f"score_{OTHER_LANGUAGE}"] = language.round(4)
    scored[f"flag_{OTHER_LANGUAGE}"] = (language >= THRESHOLD).astype(int)

    truth = {label: frame[label] for label in labels if label in frame and label != text_column}
    metrics = {}
    for label, values in truth.items():
        known = values.notna().to_numpy()
        if known.any():
            label_scores = proba[label].to_numpy()[known]
            metrics[label] = binary_metrics(
                values[known].astype(int).to_numpy(), label_scores, thresholds[label]
            )
            flagged = label_scores >= thresholds[label]
            metrics[label]["flagged"] = int(flagged.sum())
            metrics[label]["f1_interval"] = f1_interval(
                values[known].astype(int).to_numpy() == 1, flagged
            )
    categories: dict[str, dict[str, Any]] = {}
    fully_labelled = [label for label, values in truth.items() if values.notna().all()]
    if "category" in frame and fully_labelled:
        table = pd.DataFrame({label: truth[label].astype(int) for label in fully_labelled})
        table["category"] = frame["category"].replace("", "(none)")
        categories = category_table(table, proba, thresholds, fully_labelled)
    return ScoredPosts(classifier.version, thresholds, scored, metrics, categories)


def f1_interval(
    truth: np.ndarray, flagged: np.ndarray, confidence: float = 0.95, resamples: int = 2000
) -> tuple[float, float]:
    """A seeded percentile-bootstrap interval for F1 over the rows.

    A trust's labelled sample is small (30 hateful posts moves F1 by about 0.1 either way), so
    a bare F1 invites reading a difference that is noise; the interval says how far to trust
    it. Resamples are drawn all at once, so 2,000 cost milliseconds.
    """
    truth, flagged = np.asarray(truth, dtype=bool), np.asarray(flagged, dtype=bool)
    picks = np.random.default_rng(13).integers(0, truth.size, (resamples, truth.size))
    t, f = truth[picks], flagged[picks]
    tp = (t & f).sum(axis=1)
    wrong = (t ^ f).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(tp > 0, 2 * tp / (2 * tp + wrong), 0.0)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(f1, [tail, 1.0 - tail])
    return round(float(low), 4), round(float(high), 4)


def format_scored(result: ScoredPosts) -> str:
    """What a person reads: how many posts each label flags, then the figures if labelled."""
    frame = result.scored
    lines = [f"model version {result.version}: {len(frame)} posts"]
    for label, threshold in result.thresholds.items():
        flagged = int(frame[f"flag_{label}"].sum())
        lines.append(f"{label:14} flagged {flagged:5d}  (threshold {threshold:.3f})")
    lines.append(
        f"{OTHER_LANGUAGE:14} flagged {int(frame[f'flag_{OTHER_LANGUAGE}'].sum()):5d}  "
        "(not English: the labels above cannot read these; a person should)"
    )
    if result.metrics:
        lines += [
            "",
            "against the file's labels (blank cells left out; the interval is a bootstrap):",
        ]
        for label, m in result.metrics.items():
            lines.append(_metrics_line(label, m))
    if result.categories:
        covered = list(next(iter(result.categories.values()))["missed"])
        lines += ["", f"per category, on the labels every row carries ({', '.join(covered)}):"]
        lines += format_category_table(result.categories, "category")
    return "\n".join(lines)


def _metrics_line(label: str, m: dict[str, Any]) -> str:
    """F1 means nothing without positives; then the honest figure is how many were flagged."""
    head = f"{label:14} n={m['n']:5d} pos={m['positives']:4d} "
    if m["positives"] == 0:
        return head + f"no positive rows: {m['flagged']} of {m['n']} flagged"
    low, high = m["f1_interval"]
    return head + (
        f"P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
        f"(95% interval {low:.2f}-{high:.2f})"
    )
