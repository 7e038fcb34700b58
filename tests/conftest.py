"""Shared fixtures: the example registry, fresh migrated warehouses, optional resources.

Every test gets its own var dir and a fixed pseudonym secret, so nothing leaks into the
developer's `var/` and pseudonyms are reproducible.

Two resources are optional, so `make test` passes on a fresh clone with nothing beside it:

* PostgreSQL: the server named by TRUSTWATCH_TEST_POSTGRES_URL, or else the local default
  server if a short probe reaches it. PostgreSQL tests create and drop their own databases.
* The public labelled datasets: TRUSTWATCH_DATASETS, or else `../shared/datasets` beside the
  clone. Only tests marked `datasets` read them; the others run on synthetic files.

Without one, its tests skip with one reason, and the run ends with one line saying what was
skipped and how to run it. CI (`.ci/run`) sets both variables, so there nothing skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.resources import (
    DATASETS_SKIP,
    POSTGRES_SKIP,
    postgres_server,
    postgres_server_url,
    public_datasets_path,
    require_public_datasets,
    temporary_postgres_database,
)
from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.migrate import upgrade
from trustwatch.registry import Registry, load_registry
from trustwatch.settings import EXAMPLE_CONFIG, get_settings
from trustwatch.warehouse.registry_sync import sync_registry

TEST_PSEUDONYM_SECRET = "test-pseudonym-secret-not-for-production"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    var_dir = tmp_path_factory.mktemp("var")
    monkeypatch.setenv("TRUSTWATCH_VAR_DIR", str(var_dir))
    monkeypatch.setenv("TRUSTWATCH_PSEUDONYM_SECRET", TEST_PSEUDONYM_SECRET)
    monkeypatch.setenv("TRUSTWATCH_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.delenv("TRUSTWATCH_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    get_settings.cache_clear()
    from trustwatch.db.engine import get_engine

    get_engine.cache_clear()
    yield
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry(EXAMPLE_CONFIG)


def _migrated(engine: Engine, registry: Registry) -> Engine:
    upgrade(engine)
    with session_scope(engine) as session:
        sync_registry(session, registry)
    return engine


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str, registry: Registry) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield _migrated(engine, registry)
    engine.dispose()


@pytest.fixture(scope="session")
def public_datasets_dir() -> Path:
    """The real public datasets, for the few tests that need their real text or sizes.

    Tests that use this fixture are marked `datasets` automatically (see
    pytest_collection_modifyitems); without the data they skip with one shared reason.
    """
    return require_public_datasets()


_SKIP_SOURCES = {DATASETS_SKIP: require_public_datasets, POSTGRES_SKIP: postgres_server_url}


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A freshly created PostgreSQL database, dropped afterwards."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def pg_engine(pg_url: str, registry: Registry) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield _migrated(engine, registry)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on both dialects."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reads the real datasets `datasets`, so `-m` can select them."""
    for item in items:
        if "public_datasets_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.datasets)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Report a missing resource's skips at one place, so `-ra` folds them into one line.

    pytest reports a skip raised in a fixture at the test's own line; these skips have one
    cause, so they are reported where it is checked.
    """
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        reason = str(report.longrepr[2])
        for cause, where in _SKIP_SOURCES.items():
            if cause in reason:
                code = where.__code__
                report.longrepr = (code.co_filename, code.co_firstlineno, reason)
    return report


def _skipped_for(terminalreporter, reason: str) -> int:
    """How many tests skipped with `reason` (setup skips carry (path, line, reason))."""
    count = 0
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        if isinstance(longrepr, tuple) and len(longrepr) == 3 and reason in str(longrepr[2]):
            count += 1
    return count


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say once what was skipped for want of data or a server, and how to run it."""
    datasets = _skipped_for(terminalreporter, DATASETS_SKIP)
    if datasets:
        terminalreporter.write_line(
            f"trustwatch: {datasets} skipped for want of the public labelled datasets "
            f"(none at {public_datasets_path()}): "
            "set TRUSTWATCH_DATASETS=/path/to/datasets to run them."
        )
    postgres = _skipped_for(terminalreporter, POSTGRES_SKIP)
    if postgres:
        _, why = postgres_server()
        terminalreporter.write_line(
            f"trustwatch: {postgres} skipped for want of PostgreSQL, {why}: "
            "set TRUSTWATCH_TEST_POSTGRES_URL=postgresql+psycopg2://USER@HOST:PORT/postgres "
            "(USER may create databases) to run them."
        )
