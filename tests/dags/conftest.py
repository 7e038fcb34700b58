"""Airflow for DAG tests: a throwaway home with SQLite metadata, set before import.

Airflow fixes its configuration on first import, so the environment is set here at
collection time; the metadata database is migrated once per session.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from trustwatch.pipeline.airflow_home import configure

AIRFLOW_TEST_HOME = Path(tempfile.mkdtemp(prefix="trustwatch-airflow-"))
configure(AIRFLOW_TEST_HOME)
# Failures retry fast in tests; production waits minutes.
os.environ["TRUSTWATCH_RETRY_DELAY_SECONDS"] = "0"


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[Path]:
    from trustwatch.pipeline.airflow_home import migrate_metadata

    migrate_metadata()
    yield AIRFLOW_TEST_HOME


@pytest.fixture(scope="session")
def dagbag(airflow_db: Path):  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    from trustwatch.pipeline.airflow_home import DAGS_FOLDER

    return DagBag(dag_folder=str(DAGS_FOLDER))
