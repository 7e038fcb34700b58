"""Fixtures for the classifier tests: synthetic dataset-shaped files and the committed model.

`datasets_dir` is always the synthetic copy written by tests/classifiers/mini_datasets.py, so
loaders, training, soups, interpolation and evaluation are tested on a fresh clone too. Tests
that need the real public data ask for `public_datasets_dir` (tests/conftest.py) instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.classifiers.mini_datasets import write_mini_datasets


@pytest.fixture(scope="session")
def datasets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small synthetic files in the public datasets' layout and formats, written once."""
    return write_mini_datasets(tmp_path_factory.mktemp("datasets"))


@pytest.fixture(scope="session")
def model():
    """The committed default model, loaded once for the whole session."""
    import classifiers

    return classifiers.load_default()
