"""Training and evaluation end to end on a small sample of the synthetic dataset files."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from classifiers.artefact import artefact_version, read_config
from classifiers.inference import TransformerClassifier
from classifiers.labels import LABELS
from classifiers.precision import BF16_TOLERANCE, native_bf16
from classifiers.training.evaluate import TEST_SETS, add_comparisons, evaluate
from classifiers.training.school import coded_probe, coded_probe_2, fresh_check
from classifiers.training.train import TrainConfig, train

pytestmark = pytest.mark.slow


def _tiny_config() -> TrainConfig:
    """One short epoch; the step count follows the sample size, not the committed model's."""
    config = TrainConfig()
    return replace(config, optim=replace(config.optim, epochs=1.0, batch_size=16, max_steps=None))


@pytest.fixture(scope="module")
def tiny_artefact(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("artefact")
    config = _tiny_config()
    train(datasets_dir, out, config, sample=16, seed=7)
    return out


@pytest.fixture(scope="module")
def evaluation(tiny_artefact: Path, datasets_dir: Path) -> dict:
    """The tiny model evaluated once (metrics.json and MODEL_CARD.md beside it)."""
    return evaluate(datasets_dir, tiny_artefact, tiny_artefact, sample=20)


def test_training_writes_a_loadable_artefact(tiny_artefact: Path) -> None:
    config = read_config(tiny_artefact)
    assert config["labels"] == list(LABELS)
    assert config["training"]["steps"] == config["training"]["planned_steps"] > 0
    assert not config["training"]["stopped_early"]
    assert config["train_config"]["data"]["sample"] == 16
    model = TransformerClassifier(tiny_artefact)
    proba = model.predict_proba(["Mr Jones is a useless fat idiot", "Lovely sports day"])
    assert proba.shape == (2, len(LABELS))
    assert model.version == artefact_version(tiny_artefact)


def test_training_is_reproducible_with_a_seed(
    tiny_artefact: Path, datasets_dir: Path, tmp_path: Path
) -> None:
    config = _tiny_config()
    train(datasets_dir, tmp_path, config, sample=16, seed=7)
    texts = ["Mr Jones is a useless fat idiot", "The parking is awful", "I want to die"]
    first = TransformerClassifier(tiny_artefact).predict_proba(texts).to_numpy()
    again = TransformerClassifier(tmp_path).predict_proba(texts).to_numpy()
    np.testing.assert_allclose(again, first, atol=1e-5)


def test_interpolating_a_trained_model_equals_training_at_that_fraction(
    tiny_artefact: Path, datasets_dir: Path, tmp_path: Path
) -> None:
    """`model interpolate` promises what `model train --delta-scale` writes, byte for byte."""
    from classifiers.training.interpolate import interpolate_artefact

    config = _tiny_config()
    assert config.lora.delta_scale != 1.0
    trained = tmp_path / "trained"
    whole = replace(config, lora=replace(config.lora, delta_scale=1.0))
    expected = train(datasets_dir, trained, whole, sample=16, seed=7)
    assert interpolate_artefact(tiny_artefact, tmp_path / "interpolated", 1.0, datasets_dir) == (
        expected
    )
    assert expected != artefact_version(tiny_artefact)


def test_evaluation_writes_metrics_and_model_card(tiny_artefact: Path, evaluation: dict) -> None:
    metrics = evaluation
    stored = json.loads((tiny_artefact / "metrics.json").read_text(encoding="utf-8"))
    assert stored["version"] == metrics["version"] == artefact_version(tiny_artefact)
    results = stored["results"]
    assert {"olid_a", "olid_b", "tweeteval_hate", "complaints", "school_safeguarding"} <= set(
        results
    )
    for entry in results.values():
        for key in ("precision", "recall", "f1", "macro_f1"):
            assert 0.0 <= entry[key] <= 1.0
    assert results["olid_a"]["published"]["RoBERTa-base"] == 0.795
    protocol = results["tweeteval_hate"]["benchmark_protocol"]
    assert protocol["validation_source"] == "tweeteval_hate" and protocol["validation_n"] == 20
    assert 0.0 <= protocol["macro_f1"] <= 1.0
    assert results["school_safeguarding"]["benchmark_protocol"]["validation_source"] == "school"
    assert 0.0 <= stored["validation"]["mean_macro_f1"] <= 1.0
    assert set(stored["validation"]["macro_f1"]) <= set(read_config(tiny_artefact)["thresholds"])
    agreement = stored["bf16_agreement"]
    if native_bf16():
        assert agreement["items"] == stored["test_items_scored"]
        assert agreement["max_abs_diff"] < BF16_TOLERANCE
    else:
        # Emulated bfloat16 is slower than float32, so evaluation records why it did not
        # measure the fast path (the card says so) rather than spending minutes on it.
        assert agreement == {"measured": False, "reason": "this CPU has no native bfloat16"}
    card = (tiny_artefact / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert metrics["version"] in card
    assert "Zampieri" in card and "TweetEval" in card
    assert f"{results['olid_a']['macro_f1']:.3f}" in card
    assert f"{protocol['macro_f1']:.3f}" in card and "bfloat16 fast path" in card
    identity = stored["identity_terms"]
    assert sum(entry["n"] for entry in identity.values()) == results["identity_hate"]["n"] == 20
    assert all(0 <= entry["flagged"] <= entry["n"] for entry in identity.values())
    hate = identity.get("hate", {"n": 0, "flagged": 0})
    assert f"attacks on a group {hate['flagged']} of {hate['n']}" in card
    # The default configuration trains on the identity rows, and the card says at what weight.
    assert "identity_train.csv` (hand-written attacks" in card and "at 0.25 times" in card
    # The coded probe is scored whole, per label and per category, and the card shows both.
    probe = stored["coded_probe"]
    assert sum(c["n"] for c in probe["categories"].values()) == len(coded_probe())
    assert {"abuse", "bullying", "hate"} <= set(probe["labels"])
    assert "Coded probe (`classifiers/school/coded_probe.csv`" in card
    assert f"hate F1 {probe['labels']['hate']['f1']:.3f}" in card
    assert "| emoji_lookalike | 30 |" in card
    second = stored["coded_probe_2"]
    assert sum(c["n"] for c in second["categories"].values()) == len(coded_probe_2())
    assert "Second coded probe (`classifiers/school/coded_probe_2.csv`" in card
    assert f"hate F1 {second['labels']['hate']['f1']:.3f}" in card
    # So is fresh_check, the one school set no experiment chooses on.
    fresh = stored["fresh_check"]
    assert sum(c["n"] for c in fresh["categories"].values()) == len(fresh_check())
    assert set(fresh["labels"]) == {"abuse", "bullying", "hate", "complaint", "safeguarding"}
    assert "Fresh school check (`classifiers/school/fresh_check.csv`" in card
    assert f"complaint F1 {fresh['labels']['complaint']['f1']:.3f}" in card


def test_comparisons_keep_the_cards_test_set_order(
    tiny_artefact: Path, evaluation: dict, tmp_path: Path
) -> None:
    """Re-rendered without rescoring: the evaluated copy compared with the original's metrics."""
    evaluated = tmp_path / "evaluated"
    shutil.copytree(tiny_artefact, evaluated)
    add_comparisons(evaluated, {"earlier run": tiny_artefact / "metrics.json"})
    card = (evaluated / "MODEL_CARD.md").read_text(encoding="utf-8")
    other_runs = card[card.index("## Other runs") :]
    assert "| test set | this model | earlier run |" in other_runs
    rows = [line.split(" | ")[0].lstrip("| ") for line in other_runs.splitlines()[5:]]
    described = [test.description for test in TEST_SETS]
    listed = [row for row in rows if row in described]
    assert listed == [d for d in described if d in listed] and len(listed) >= 10


def test_cross_dataset_abuse_proxy_scores_identity_attacks_against_harmless_tweets() -> None:
    """Gender/ethnicity/religion attacks count as abusive, not_cyberbullying as not; age and
    other bullying stay out; the benchmark-protocol threshold comes from OLID validation."""
    import pandas as pd

    from classifiers.training.evaluate import cross_dataset_abuse

    kinds = ["gender", "religion", "ethnicity", "not_cyberbullying", "not_cyberbullying", "age"]
    kinds += ["other_cyberbullying", "gender"]
    table = pd.DataFrame(
        {
            "source": ["cyberbullying"] * 8 + ["olid"] * 4,
            "split": ["test"] * 7 + ["val"] + ["val"] * 4,
            "kind": kinds + [None] * 4,
            "abuse": [None] * 8 + [1.0, 1.0, 0.0, 0.0],
        }
    )
    # The abuse head catches two of the three attacks and flags one harmless tweet, at 0.5.
    abuse = [0.9, 0.8, 0.2, 0.7, 0.1, 0.99, 0.99, 0.99, 0.6, 0.65, 0.3, 0.1]
    scores = pd.DataFrame({"abuse": abuse})
    entry = cross_dataset_abuse(table, scores, {"abuse": 0.5})
    assert entry is not None
    assert (entry["n"], entry["positives"]) == (5, 3)  # age, other and the val row left out
    assert entry["recall"] == round(2 / 3, 4) and entry["precision"] == round(2 / 3, 4)
    protocol = entry["benchmark_protocol"]
    assert protocol["validation_source"] == "olid" and protocol["validation_n"] == 4
    assert 0.3 < protocol["threshold"] <= 0.6
    assert cross_dataset_abuse(table.drop(columns="kind"), scores, {"abuse": 0.5}) is None
