"""Fixtures for the classifier tests: the datasets folder and the committed model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATASETS_DIR = Path(
    os.environ.get("TRUSTWATCH_DATASETS", PROJECT_ROOT.parent / "shared" / "datasets")
)


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """The shared labelled datasets; CI keeps them at ../shared/datasets beside the clone."""
    if not (DATASETS_DIR / "olid").is_dir():
        raise FileNotFoundError(
            f"labelled datasets not found at {DATASETS_DIR}; set TRUSTWATCH_DATASETS"
        )
    return DATASETS_DIR


@pytest.fixture(scope="session")
def model():
    """The committed default model, loaded once for the whole session."""
    import classifiers

    return classifiers.load_default()
