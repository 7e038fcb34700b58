"""An embedded Airflow for the demo and tests: SQLite metadata under a chosen home.

Airflow reads its configuration when it is first imported, so `configure` must run
before anything imports `airflow`; it refuses to run after, rather than silently leaving
Airflow pointed at another home.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from trustwatch.settings import PROJECT_ROOT

DAGS_FOLDER = PROJECT_ROOT / "dags"


class AirflowAlreadyImported(RuntimeError):
    """Airflow was imported before its home was set: its settings are already fixed."""


def configure(home: Path, *, dags_folder: Path = DAGS_FOLDER) -> dict[str, str]:
    """Point Airflow at `home` (SQLite metadata, no examples) via the environment."""
    home = home.resolve()
    wanted = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder.resolve()),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get(
            "AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"
        ),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    if "airflow" in sys.modules and os.environ.get("AIRFLOW_HOME") != wanted["AIRFLOW_HOME"]:
        raise AirflowAlreadyImported(
            "airflow was imported before its home was configured; configure it first"
        )
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(wanted)
    return wanted


def migrate_metadata() -> None:
    """`airflow db migrate`, in process (idempotent: an up-to-date database is left alone)."""
    from airflow.utils import db

    db.upgradedb()
