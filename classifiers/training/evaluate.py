"""Evaluation on each dataset's test split; writes metrics.json and MODEL_CARD.md.

Every figure is computed here from the artefact and the data; nothing is typed in by hand
except the published reference results, which are quoted (with sources) for comparison.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, precision_recall_fscore_support

from classifiers.artefact import ARTEFACTS_DIR, DEFAULT_ARTEFACT, read_config
from classifiers.inference import TransformerClassifier
from classifiers.labels import LABELS
from classifiers.language import THRESHOLD as OTHER_LANGUAGE_THRESHOLD
from classifiers.language import other_language_scores
from classifiers.precision import native_bf16
from classifiers.text import normalise
from classifiers.training.calibrate import best_threshold
from classifiers.training.data import SplitConfig, load_public, sample_per_source
from classifiers.training.model_card import PROBES, write_model_card
from classifiers.training.robustness import spelling_robustness
from classifiers.training.school import (
    categorised,
    identity_check,
    identity_check_tasks,
    load_school,
    multilingual_check,
    multilingual_check_tasks,
    world_check,
    world_check_tasks,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TestSet:
    """One scored comparison: a test source, the task scored and how it is described."""

    key: str
    source: str
    task: str
    description: str
    validation_source: str  # whose validation split sets the benchmark-protocol threshold


_PUBLIC_TESTS: tuple[TestSet, ...] = (
    TestSet("olid_a", "olid_a", "abuse", "OLID level A (OFF vs NOT), official test", "olid"),
    TestSet("olid_b", "olid_b", "targeted", "OLID level B (TIN vs UNT), official test", "olid"),
    TestSet("olid_c", "olid_c", "bullying", "OLID level C, IND vs GRP+OTH, official test", "olid"),
    TestSet(
        "tweeteval_hate",
        "tweeteval_hate",
        "hate",
        "TweetEval hate, official test",
        "tweeteval_hate",
    ),
    TestSet(
        "complaints", "complaints", "complaint", "Complaints, seeded 20% test split", "complaints"
    ),
    TestSet(
        "cyberbullying_bullying",
        "cyberbullying",
        "bullying",
        "Cyberbullying, other vs not",
        "cyberbullying",
    ),
    TestSet(
        "cyberbullying_hate",
        "cyberbullying",
        "hate",
        "Cyberbullying, identity vs not/age",
        "cyberbullying",
    ),
)
_SCHOOL_TESTS: tuple[TestSet, ...] = tuple(
    TestSet(
        f"school_{label}",
        "school_check",
        label,
        f"School check set (hand-written), {label}",
        "school",
    )
    for label in ("abuse", "bullying", "hate", "complaint", "safeguarding")
)
_WORLD_TESTS: tuple[TestSet, ...] = tuple(
    TestSet(
        f"world_{label}",
        "world_check",
        label,
        f"School-world check set (hand-written, issue 20), {label}",
        "school",
    )
    for label in ("abuse", "bullying", "hate", "complaint", "safeguarding")
)
_IDENTITY_TEST = TestSet(
    "identity_hate",
    "identity_check",
    "hate",
    "Identity-term check set (hand-written), hate",
    "school",
)
TEST_SETS: tuple[TestSet, ...] = (*_PUBLIC_TESTS, *_SCHOOL_TESTS, *_WORLD_TESTS, _IDENTITY_TEST)

# Macro-F1 on the same official test split, quoted from the papers / TweetEval leaderboard.
PUBLISHED: dict[str, dict[str, float]] = {
    "olid_a": {
        "SVM": 0.523,
        "LSTM": 0.717,
        "FastText": 0.734,
        "alt-profanity-check (reported)": 0.732,
        "RoBERTa-base": 0.795,
        "BERTweet": 0.795,
        "TimeLMs-2021": 0.822,
    },
    "olid_b": {"OffensEval 2019 winner": 0.755},
    "tweeteval_hate": {
        "SVM": 0.367,
        "RoBERTa-base": 0.466,
        "TimeLMs-2021": 0.551,
        "BERTweet": 0.564,
    },
    "complaints": {"Preoţiuc-Pietro et al. 2019 (own split)": 0.79},
}


def binary_metrics(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, Any]:
    """Positive-class precision/recall/F1 and macro-F1 at the artefact's threshold."""
    y_true = np.asarray(y_true).astype(int)
    y_pred = (np.asarray(scores) >= threshold).astype(int)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, average="binary", zero_division=0
    )
    return {
        "n": int(y_true.size),
        "positives": int(y_true.sum()),
        "threshold": float(threshold),
        "precision": round(float(precision), 4),
        "recall": round(float(recall), 4),
        "f1": round(float(f1), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro", zero_division=0)), 4),
    }


def profanity_check_olid_a(texts: list[str], y_true: np.ndarray) -> float:
    """alt-profanity-check's macro-F1 on OLID A at its default 0.5 cut, as a cheap baseline."""
    from profanity_check import predict_prob

    scores = predict_prob(texts)
    return binary_metrics(y_true, scores, 0.5)["macro_f1"]


def test_table(data_dir: Path, config: SplitConfig) -> pd.DataFrame:
    """All test rows from the public data and the school check set."""
    table = evaluation_table(data_dir, config)
    return table[table["split"] == "test"].reset_index(drop=True)


def evaluation_table(data_dir: Path, config: SplitConfig) -> pd.DataFrame:
    """Validation and test rows from the public data and the school data."""
    public = load_public(Path(data_dir), config)
    school = load_school(config.seed)
    checks = [identity_check_tasks(), multilingual_check_tasks(), world_check_tasks()]
    table = pd.concat([public, school, *checks], ignore_index=True)
    return table[table["split"].isin(["val", "test"])].reset_index(drop=True)


def benchmark_protocol(
    test: TestSet, table: pd.DataFrame, scores: pd.DataFrame, test_rows: pd.Series
) -> dict[str, Any] | None:
    """Test metrics at a threshold chosen on this dataset's own validation split.

    This is how the published results were obtained: each benchmark is a separate task, and
    model selection uses that benchmark's validation data only. The production threshold, by
    contrast, is chosen on every source's validation data pooled, because it has to serve
    school posts, not one benchmark's test distribution. Both are reported; neither ever
    sees test labels.
    """
    val_rows = (
        (table["split"] == "val")
        & (table["source"] == test.validation_source)
        & table[test.task].notna()
    )
    if table.loc[val_rows, test.task].nunique() < 2:
        return None
    threshold = best_threshold(
        table.loc[val_rows, test.task].to_numpy(),
        scores.loc[val_rows.to_numpy(), test.task].to_numpy(),
    )
    entry = binary_metrics(
        table.loc[test_rows, test.task].to_numpy(),
        scores.loc[test_rows.to_numpy(), test.task].to_numpy(),
        threshold,
    )
    entry["validation_source"] = test.validation_source
    entry["validation_n"] = int(val_rows.sum())
    return entry


def write_reports(
    out_dir: Path,
    config: dict[str, Any],
    metrics: dict[str, Any],
    compare_with: dict[str, Path] | None = None,
) -> None:
    """Write metrics.json and MODEL_CARD.md, with other evaluations' results for comparison."""
    if compare_with:
        metrics["comparisons"] = {
            name: json.loads(Path(path).read_text(encoding="utf-8"))["results"]
            for name, path in compare_with.items()
        }
    text = json.dumps(metrics, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (Path(out_dir) / "metrics.json").write_text(text, encoding="utf-8")
    write_model_card(Path(out_dir) / "MODEL_CARD.md", config, metrics)


def add_comparisons(artefact_dir: Path | str, compare_with: dict[str, Path]) -> dict[str, Any]:
    """Re-render an evaluated artefact's reports with ablation results, without rescoring."""
    artefact_dir = Path(artefact_dir)
    metrics = json.loads((artefact_dir / "metrics.json").read_text(encoding="utf-8"))
    # metrics.json is written with sorted keys; the card lists test sets in evaluation order.
    order = {test.key: i for i, test in enumerate(TEST_SETS)}
    metrics["results"] = dict(
        sorted(metrics["results"].items(), key=lambda item: order.get(item[0], len(order)))
    )
    write_reports(artefact_dir, read_config(artefact_dir), metrics, compare_with)
    return metrics


# Issue 20's cross-dataset abuse target names a corpus the project does not hold. This is a
# clearly labelled proxy, not that corpus: Cyberbullying's test split (Wang et al. 2020,
# a dataset the abuse head never trains on: it teaches only `bullying` and `hate`), tweets
# labelled as attacks on gender, ethnicity or religion as abusive, `not_cyberbullying` as
# not. Caveats: its labels come from a different annotation scheme (and are partly
# weakly labelled), `age` and `other_cyberbullying` rows are left out as ambiguous, and the
# model does train on this dataset's training split for other heads.
CROSS_ABUSE_KINDS = ("gender", "ethnicity", "religion")


def cross_dataset_abuse(
    table: pd.DataFrame, scores: pd.DataFrame, thresholds: dict[str, float]
) -> dict[str, Any] | None:
    """The abuse head on the Cyberbullying test split's identity attacks vs harmless tweets.

    At the production threshold, and (benchmark protocol) at the threshold OLID's own
    validation split gives the abuse head: the head's own data, never this corpus's labels.
    """
    if "kind" not in table:
        return None
    test = (table["source"] == "cyberbullying") & (table["split"] == "test")
    kinds = table["kind"].astype(str)
    rows = (test & kinds.isin([*CROSS_ABUSE_KINDS, "not_cyberbullying"])).to_numpy()
    if not rows.any():
        return None
    y = kinds[rows].isin(CROSS_ABUSE_KINDS).astype(int).to_numpy()
    abuse = scores.loc[rows, "abuse"].to_numpy()
    entry = binary_metrics(y, abuse, thresholds["abuse"])
    olid_val = (
        (table["source"] == "olid") & (table["split"] == "val") & table["abuse"].notna()
    ).to_numpy()
    protocol = None
    if olid_val.any():
        threshold = best_threshold(
            table.loc[olid_val, "abuse"].to_numpy(), scores.loc[olid_val, "abuse"].to_numpy()
        )
        protocol = binary_metrics(y, abuse, threshold)
        protocol.update(validation_source="olid", validation_n=int(olid_val.sum()))
    entry.update(
        task="abuse",
        description="Cross-dataset abuse proxy: Cyberbullying test, gender/ethnicity/religion "
        "vs not_cyberbullying (abuse head, never trained on it)",
        published={},
        benchmark_protocol=protocol,
    )
    return entry


def validation_summary(
    table: pd.DataFrame, scores: pd.DataFrame, thresholds: dict[str, float]
) -> dict[str, Any]:
    """Pooled-validation macro-F1 per label at the production thresholds.

    Validation, not test, is what chooses between training runs; recording it beside the
    test results shows which figures were allowed to influence that choice.
    """
    val = (table["split"] == "val").to_numpy()
    per_label: dict[str, float] = {}
    for task, threshold in thresholds.items():
        rows = val & table[task].notna().to_numpy()
        if rows.any() and table.loc[rows, task].nunique() == 2:
            per_label[task] = binary_metrics(
                table.loc[rows, task].to_numpy(), scores.loc[rows, task].to_numpy(), threshold
            )["macro_f1"]
    mean = round(float(np.mean(list(per_label.values()))), 4) if per_label else None
    return {"macro_f1": per_label, "mean_macro_f1": mean}


def identity_term_summary(
    table: pd.DataFrame, scores: pd.DataFrame, threshold: float
) -> dict[str, dict[str, int]]:
    """How many identity-check rows of each kind the hate label flags at `threshold`.

    Macro-F1 hides the failure a school sees: harmless posts that merely name a group being
    flagged as hate. Counting flags per kind shows it directly.
    """
    rows = (table["source"] == "identity_check").to_numpy()
    if not rows.any():
        return {}
    check = identity_check()
    kind_of = dict(zip(check["text"].map(normalise), check["kind"], strict=True))
    frame = pd.DataFrame(
        {
            "kind": table.loc[rows, "text"].map(kind_of).to_numpy(),
            "flagged": scores.loc[rows, "hate"].to_numpy() >= threshold,
        }
    )
    return {
        str(kind): {"n": len(group), "flagged": int(group["flagged"].sum())}
        for kind, group in frame.groupby("kind", sort=True)
    }


def multilingual_summary(
    table: pd.DataFrame, scores: pd.DataFrame, thresholds: dict[str, float]
) -> dict[str, Any]:
    """What the production thresholds do with school posts written in other languages.

    The encoder learnt English; a parent's harmless question in Urdu flagged as hate is the
    failure a school would see first, and it lands on families already easy to overlook.
    Counts, not F1: the check set is small, and each flag is a person wrongly suspected.
    """
    rows = (table["source"] == "multilingual_check").to_numpy()
    if not rows.any():
        return {}
    check = multilingual_check()
    language_of = dict(zip(check["text"].map(normalise), check["language"], strict=True))
    truth = table.loc[rows, list(LABELS)].to_numpy() == 1.0
    flagged = np.column_stack(
        [scores.loc[rows, label].to_numpy() >= thresholds[label] for label in LABELS]
    )
    harmless = ~truth.any(axis=1)
    languages = table.loc[rows, "text"].map(language_of).to_numpy()
    by_language = {
        str(language): {
            "n": int((harmless & (languages == language)).sum()),
            "flagged_any": int((harmless & (languages == language) & flagged.any(axis=1)).sum()),
        }
        for language in sorted(set(languages))
    }
    # The pipeline also flags posts the model cannot read for a person (classifiers.language);
    # a positive reaches someone if either the model or that flag raises it.
    texts = table.loc[rows, "text"].tolist()
    other_language = np.array(other_language_scores(texts)) >= OTHER_LANGUAGE_THRESHOLD
    return {
        "other_language_flagged": {"n": len(texts), "flagged": int(other_language.sum())},
        "harmless": {
            "n": int(harmless.sum()),
            "flagged_any": int((harmless & flagged.any(axis=1)).sum()),
            "flagged": {
                label: int((harmless & flagged[:, i]).sum()) for i, label in enumerate(LABELS)
            },
            "by_language": by_language,
        },
        "positives": {
            label: {
                "n": int(truth[:, i].sum()),
                "found": int((truth[:, i] & flagged[:, i]).sum()),
                "reach_a_person": int((truth[:, i] & (flagged[:, i] | other_language)).sum()),
            }
            for i, label in enumerate(LABELS)
        },
    }


def world_categories(
    table: pd.DataFrame, scores: pd.DataFrame, thresholds: dict[str, float]
) -> dict[str, dict[str, Any]]:
    """The school-world check set per category (classifiers.training.school_report)."""
    from classifiers.training.school_report import category_table

    rows = (table["source"] == "world_check").to_numpy()
    if not rows.any():
        return {}
    check = world_check()
    category_of = dict(zip(check["text"].map(normalise), check["category"], strict=True))
    frame = table.loc[rows, ["text", *LABELS]].reset_index(drop=True)
    frame["category"] = frame["text"].map(category_of)
    return category_table(frame, scores.loc[rows].reset_index(drop=True), thresholds)


def probe_summary(
    classifier: TransformerClassifier, thresholds: dict[str, float], frame: pd.DataFrame
) -> dict[str, Any]:
    """A school set with a `category` column (the coded probes, fresh_check): per label and
    category.

    Scored apart from the test table: these are the project's own files, never trained on;
    the coded probe's look-alike rows show a reading of an emoji or a code going too far, and
    fresh_check is the one school set no experiment has chosen on.
    """
    from classifiers.training.school_report import category_table

    scores = classifier.predict_proba(frame["text"].tolist())
    labels = {
        label: binary_metrics(frame[label].to_numpy(), scores[label].to_numpy(), thresholds[label])
        for label in LABELS
        if frame[label].nunique() == 2
    }
    return {"labels": labels, "categories": category_table(frame, scores, thresholds)}


def bf16_agreement(
    artefact_dir: Path, texts: list[str], reference: pd.DataFrame, thresholds: dict[str, float]
) -> dict[str, Any]:
    """How far the bf16 fast path moves scores and decisions from the float32 reference."""
    if not native_bf16():
        return {"measured": False, "reason": "this CPU has no native bfloat16"}
    fast = TransformerClassifier(artefact_dir, precision="bf16").predict_tasks(texts)
    diff = (fast - reference).abs()
    flips = {
        task: int(((fast[task] >= cut) != (reference[task] >= cut)).sum())
        for task, cut in thresholds.items()
    }
    return {
        "measured": True,
        "items": len(texts),
        "max_abs_diff": round(float(diff.to_numpy().max()), 5),
        "p99_abs_diff": round(float(np.quantile(diff.to_numpy(), 0.99)), 5),
        "decision_flips": flips,
    }


def evaluate(
    data_dir: Path | str,
    artefact_dir: Path | str = ARTEFACTS_DIR / DEFAULT_ARTEFACT,
    out_dir: Path | str | None = None,
    compare_with: dict[str, Path] | None = None,
    sample: int | None = None,
) -> dict[str, Any]:
    """Score every test set, write metrics.json and MODEL_CARD.md, return the metrics.

    `sample` keeps at most that many (seeded) rows per source and split, for quick checks only.
    """
    artefact_dir = Path(artefact_dir)
    out_dir = Path(out_dir) if out_dir is not None else artefact_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    config = read_config(artefact_dir)
    splits = SplitConfig(**config["train_config"]["data"]["splits"])
    classifier = TransformerClassifier(artefact_dir, precision="fp32")
    table = evaluation_table(Path(data_dir), splits)
    if sample is not None:
        table = sample_per_source(table, sample, splits.seed).reset_index(drop=True)
    started = time.monotonic()
    scores = classifier.predict_tasks(table["text"].tolist())
    seconds = time.monotonic() - started
    thresholds = {**config["thresholds"]}
    results: dict[str, Any] = {}
    for test in TEST_SETS:
        rows = (table["split"] == "test") & (table["source"] == test.source)
        rows &= table[test.task].notna()
        if not rows.any():
            continue
        entry = binary_metrics(
            table.loc[rows, test.task].to_numpy(),
            scores.loc[rows.to_numpy(), test.task].to_numpy(),
            thresholds[test.task],
        )
        entry.update(
            {
                "task": test.task,
                "description": test.description,
                "published": PUBLISHED.get(test.key, {}),
                "benchmark_protocol": benchmark_protocol(test, table, scores, rows),
            }
        )
        results[test.key] = entry
    proxy = cross_dataset_abuse(table, scores, thresholds)
    if proxy is not None:
        results["cross_dataset_abuse"] = proxy
    test_rows = (table["split"] == "test").to_numpy()
    olid_a = (table["source"] == "olid_a").to_numpy()
    if olid_a.any():
        results["olid_a"]["baseline_alt_profanity_check_measured"] = profanity_check_olid_a(
            table.loc[olid_a, "text"].tolist(), table.loc[olid_a, "abuse"].to_numpy()
        )
    agreement = bf16_agreement(
        artefact_dir,
        table.loc[test_rows, "text"].tolist(),
        scores.loc[test_rows].reset_index(drop=True),
        thresholds,
    )
    metrics = {
        "version": classifier.version,
        "artefact": artefact_dir.name,
        "test_items_scored": int(test_rows.sum()),
        "validation_items_scored": int((~test_rows).sum()),
        "sampled": sample,
        "scoring_seconds": round(seconds, 1),
        "results": results,
        "bf16_agreement": agreement,
        "validation": validation_summary(table, scores, thresholds),
        "identity_terms": identity_term_summary(table, scores, thresholds["hate"]),
        "multilingual": multilingual_summary(table, scores, thresholds),
        "world_categories": world_categories(table, scores, thresholds),
        **{name: probe_summary(classifier, thresholds, categorised(name)) for name in PROBES},
        "spelling_robustness": spelling_robustness(classifier, table, thresholds["abuse"]),
        "training": config.get("training", {}),
    }
    write_reports(out_dir, config, metrics, compare_with)
    log.info("evaluated %s: %d test items in %.0fs", artefact_dir, len(table), seconds)
    return metrics
