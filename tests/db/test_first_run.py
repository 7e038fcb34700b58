"""A first run survives being started twice at once, being killed, and a half-made schema.

Concurrency and kills use real processes (multiprocessing, subprocess + SIGKILL) on both
SQLite and PostgreSQL; `benchmarks/first_run_kills.py` runs 50 random kills per database.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import temporary_postgres_database
from tests.faults import first_run
from tests.faults.key_race import race
from tests.faults.platforms import SENTINELS
from trustwatch.cli import main
from trustwatch.db.engine import make_engine
from trustwatch.db.models import Base


def _init_after_barrier(url: str, barrier: Any, out: Any) -> None:
    os.environ["TRUSTWATCH_WAREHOUSE_URL"] = url
    from trustwatch.cli import main as cli_main

    barrier.wait()
    out.put(cli_main(["init"]))


def _concurrent_inits(url: str, processes: int) -> list[int]:
    context = mp.get_context("spawn")
    barrier, out = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(target=_init_after_barrier, args=(url, barrier, out))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    codes = [out.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return codes


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty warehouse: a SQLite path not yet created, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'first.sqlite'}"
    else:
        with temporary_postgres_database("trustwatch_first") as url:
            yield url


@pytest.fixture
def cli_on(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def point(url: str) -> None:
        from trustwatch.db.engine import get_engine
        from trustwatch.settings import get_settings

        monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", url)
        for name, value in SENTINELS.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        get_engine.cache_clear()

    return point


def test_three_first_runs_at_once_all_succeed(fresh_url: str, cli_on) -> None:
    cli_on(fresh_url)
    assert _concurrent_inits(fresh_url, 3) == [0, 0, 0]
    assert first_run.at_head(fresh_url)
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM schools")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_a_half_made_empty_schema_is_recovered(
    fresh_url: str, cli_on, caplog: pytest.LogCaptureFixture
) -> None:
    """What an interrupted first run of an older version left: tables, no version."""
    cli_on(fresh_url)
    engine = make_engine(fresh_url)
    Base.metadata.create_all(engine, tables=[Base.metadata.tables["audit_log"]])
    engine.dispose()
    assert main(["init"]) == 0
    assert first_run.at_head(fresh_url)
    assert "left half-made by an interrupted first run" in caplog.text


def test_a_half_made_schema_holding_data_is_refused_clearly(
    fresh_url: str, cli_on, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_on(fresh_url)
    engine = make_engine(fresh_url)
    audit = Base.metadata.tables["audit_log"]
    Base.metadata.create_all(engine, tables=[audit])
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (actor, action, target_type, detail, at) "
                "VALUES ('dpo', 'erasure', 'author', '{}', CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert "audit_log (1 rows)" in err and "no schema version" in err
    assert "already exists" not in err and "Traceback" not in err


@pytest.mark.slow
@pytest.mark.parametrize("where", ["migration", "ingest"])
def test_a_first_run_killed_then_rerun_converges(fresh_url: str, cli_on, where: str) -> None:
    """One kill inside the migration's transaction and one inside an ingest page."""
    cli_on(fresh_url)
    with _another(fresh_url) as reference_url:
        total = first_run.count_statements(reference_url)
        reference = first_run.items(reference_url)
    kill_at = 20 if where == "migration" else total - 5
    result = first_run.trial(fresh_url, kill_at, reference)
    assert result.killed and not result.wedged
    assert (result.lost, result.duplicated) == (0, 0)


def _another(url: str) -> AbstractContextManager[str]:
    if url.startswith("sqlite"):
        from contextlib import nullcontext

        return nullcontext(url.replace("first.sqlite", "reference.sqlite"))
    return temporary_postgres_database("trustwatch_ref")


@pytest.mark.slow
def test_four_processes_creating_the_key_never_race(tmp_path: Path) -> None:
    failures, disagreements = race(tmp_path, processes=4, trials=5)
    assert (failures, disagreements) == (0, 0)
