"""The production classifier: load an artefact once, then score lists of texts."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from classifiers.artefact import ARTEFACTS_DIR, DEFAULT_ARTEFACT, artefact_version, load_network
from classifiers.complaint_reading import READ_LABEL, second_readings
from classifiers.encoder import load_tokenizer
from classifiers.hate_rules import apply_hate_rules
from classifiers.precision import prepare_network, resolve_precision
from classifiers.safeguarding_rules import rule_hits
from classifiers.text import normalise_for
from classifiers.windows import build_windows, score_windows

THREADS_ENV = "TRUSTWATCH_TORCH_THREADS"


def configure_threads(threads: int | None = None) -> None:
    """Apply an explicit thread count (argument, else env var); leave torch's default otherwise."""
    if threads is None and os.environ.get(THREADS_ENV):
        threads = int(os.environ[THREADS_ENV])
    if threads is not None and threads > 0:
        torch.set_num_threads(threads)


class TransformerClassifier:
    """MiniLM encoder with merged LoRA adapter and per-label heads.

    Construct once (loading takes a second or two), then call `predict_proba` as often as
    needed; scores are deterministic for a given artefact. `precision` is fp32 (the default,
    exact), bf16 or auto (see `classifiers.precision`).
    """

    def __init__(
        self,
        artefact_dir: Path | str = ARTEFACTS_DIR / DEFAULT_ARTEFACT,
        threads: int | None = None,
        batch_size: int = 64,
        precision: str | None = None,
    ):
        configure_threads(threads)
        self.precision: str = resolve_precision(precision)
        self.artefact_dir = Path(artefact_dir)
        network, self.config = load_network(self.artefact_dir)
        self.network = prepare_network(network, self.precision)
        self.tokenizer = load_tokenizer()
        self.labels: list[str] = list(self.config["labels"])
        self.tasks: list[str] = list(self.config["tasks"])
        self.thresholds: dict[str, float] = {
            label: float(self.config["thresholds"][label]) for label in self.labels
        }
        self.version: str = artefact_version(self.artefact_dir)
        self.max_length = int(self.config["max_length"])
        self.batch_size = batch_size

    def predict_tasks(self, texts: list[str]) -> pd.DataFrame:
        """Scores for every trained task, auxiliary ones included (used by evaluation)."""
        mode = self.config.get("text_normalisation")
        clean = [normalise_for(t, mode) for t in texts]
        windows = build_windows(self.tokenizer, clean, self.max_length)
        scores = score_windows(
            self.network,
            windows,
            len(clean),
            len(self.tasks),
            self.tokenizer.pad_token_id,
            self.batch_size,
        )
        self._read_complaints_again(clean, scores)
        # Nothing said carries no risk; do not let the model guess on an empty input.
        scores[[not text for text in clean]] = 0.0
        self._apply_safeguarding_rules(texts, scores)
        apply_hate_rules(texts, scores, self.tasks, self.config.get("hate_rules"))
        return pd.DataFrame(scores, columns=self.tasks).astype("float64")

    def _read_complaints_again(self, clean: list[str], scores: np.ndarray) -> None:
        """C28: a hateful grievance about a group is read once more with the group words
        neutral, and keeps the higher complaint score (`classifiers.complaint_reading`)."""
        again = second_readings(
            clean, scores, self.tasks, self.thresholds, self.config.get("complaint_reading")
        )
        if not again:
            return
        rows = list(again)
        windows = build_windows(self.tokenizer, list(again.values()), self.max_length)
        second = score_windows(
            self.network,
            windows,
            len(rows),
            len(self.tasks),
            self.tokenizer.pad_token_id,
            self.batch_size,
        )
        column = self.tasks.index(READ_LABEL)
        scores[rows, column] = np.maximum(scores[rows, column], second[:, column])

    def _apply_safeguarding_rules(self, texts: list[str], scores: np.ndarray) -> None:
        """Raise `safeguarding` to the artefact's rule score where a rule matches.

        Rules read the original text (handles and links do not matter to them); an
        artefact without rules in its config is scored by the network alone.
        """
        rules = self.config.get("safeguarding_rules")
        if not rules or "safeguarding" not in self.tasks:
            return
        column = self.tasks.index("safeguarding")
        hits = rule_hits(texts, rules["patterns"], rules.get("educational_context"))
        scores[hits, column] = np.maximum(scores[hits, column], float(rules["score"]))

    def predict_proba(self, texts: list[str]) -> pd.DataFrame:
        """One row per text (same order), one probability column per label."""
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        if not texts:
            return pd.DataFrame({label: pd.Series(dtype="float64") for label in self.labels})
        frame = self.predict_tasks(texts)[self.labels]
        return frame.clip(0.0, 1.0).reset_index(drop=True)

    def predict(self, texts: list[str]) -> pd.DataFrame:
        """Booleans per label: probability at or above the calibrated threshold."""
        proba = self.predict_proba(texts)
        return proba.ge(pd.Series(self.thresholds)[self.labels].to_numpy(dtype=np.float64))
