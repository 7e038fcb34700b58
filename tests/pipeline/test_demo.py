"""`make demo`'s entry point, run as the Makefile runs it, for its first simulated steps."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_PSEUDONYM_SECRET
from trustwatch.settings import PROJECT_ROOT


@pytest.mark.slow
def test_demo_replays_through_the_dags_and_summarises(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TRUSTWATCH_VAR_DIR": str(tmp_path),
        "TRUSTWATCH_CLASSIFIER": "tests.dags.keyword_classifier:make",
    }
    for name in ("AIRFLOW_HOME", "AIRFLOW__CORE__DAGS_FOLDER", "TRUSTWATCH_WAREHOUSE_URL"):
        env.pop(name, None)
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    done = subprocess.run(
        [sys.executable, "-m", "trustwatch.demo", "--max-steps", "3"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for heading in (
        "== items per platform and school ==",
        "== alerts by type and severity ==",
        "== 24-hour rule ==",
        "== quarantined records ==",
        "== data checks",
        "== time to alert",
        "make serve",
    ):
        assert heading in out
    assert out.count("ingest_x=ok") == 3
    # The event segment: signed deliveries at a real receiver, refusals, time to alert.
    assert "facebook signed delivery of 3 events -> 200" in out
    assert "x        replayed -> 409; forged -> 403" in out
    assert "time to alert from delivery" in out
    assert (tmp_path / "airflow" / "airflow.db").exists()
    engine = create_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    with engine.connect() as conn:
        items = conn.execute(text("select count(*) from items")).scalar_one()
        checks = conn.execute(text("select count(*) from validation_results")).scalar_one()
    engine.dispose()
    assert items > 0 and checks > 0
    assert TEST_PSEUDONYM_SECRET not in out + done.stderr
