"""The interface every other part of trustwatch types against."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd


@runtime_checkable
class Classifier(Protocol):
    """Anything that scores texts with one probability per label."""

    labels: list[str]
    thresholds: dict[str, float]
    version: str

    def predict_proba(self, texts: list[str]) -> pd.DataFrame:
        """One row per text, one float column in [0, 1] per label, in `labels` order."""
        ...
