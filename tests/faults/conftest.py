"""Fault-test fixtures: sentinel credentials and throwaway SQLite warehouses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.faults.harness import copy_sqlite, migrated_sqlite
from tests.faults.platforms import SENTINELS
from trustwatch.db.engine import make_engine
from trustwatch.registry import Registry


@pytest.fixture(autouse=True)
def sentinel_credentials(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    return SENTINELS


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Path:
    path = tmp_path_factory.mktemp("template") / "warehouse.sqlite"
    migrated_sqlite(path, registry)
    return path


@pytest.fixture
def fresh_sqlite(sqlite_template: Path, tmp_path: Path) -> Callable[[str], Engine]:
    """Each call: a new migrated warehouse (a copy of the template) and its engine."""
    engines: list[Engine] = []

    def make(name: str) -> Engine:
        engine = make_engine(copy_sqlite(sqlite_template, tmp_path / f"{name}.sqlite"))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()
