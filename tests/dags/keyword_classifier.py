"""A protocol-compatible stand-in for the transformer in DAG tests (the style guide allows
one for other components' tests): deterministic keyword scores, no torch, instant.

Selected with TRUSTWATCH_CLASSIFIER=tests.dags.keyword_classifier:make.
"""

from __future__ import annotations

import pandas as pd

from classifiers.labels import LABELS

KEYWORDS = {
    "abuse": ("idiot", "useless", "rubbish", "disgrace"),
    "bullying": ("bullied", "bullying", "picked on", "loser"),
    "hate": ("go back to",),
    "complaint": ("complaint", "disappointed", "unacceptable", "not good enough", "why"),
    "safeguarding": ("hurt myself", "kill", "knife", "unsafe", "scared to go"),
}


class KeywordClassifier:
    version = "keyword-test-1"

    def __init__(self) -> None:
        self.labels = list(LABELS)
        self.thresholds = dict.fromkeys(LABELS, 0.5)

    def predict_proba(self, texts: list[str]) -> pd.DataFrame:
        rows = []
        for text in texts:
            lowered = text.lower()
            rows.append(
                [0.9 if any(k in lowered for k in KEYWORDS[label]) else 0.05 for label in LABELS]
            )
        return pd.DataFrame(rows, columns=self.labels, dtype=float)


def make() -> KeywordClassifier:
    return KeywordClassifier()
