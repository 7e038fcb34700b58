"""Shared fixtures: the example registry and fresh, migrated warehouses.

Every test gets its own var dir and a fixed pseudonym secret, so nothing leaks into the
developer's `var/` and pseudonyms are reproducible. PostgreSQL tests create and drop
their own database on the server named by TRUSTWATCH_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.migrate import upgrade
from trustwatch.registry import Registry, load_registry
from trustwatch.settings import EXAMPLE_CONFIG, get_settings
from trustwatch.warehouse.registry_sync import sync_registry

TEST_PSEUDONYM_SECRET = "test-pseudonym-secret-not-for-production"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATASETS_DIR = Path(
    os.environ.get("TRUSTWATCH_DATASETS", PROJECT_ROOT.parent / "shared" / "datasets")
)


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


def postgres_server_url() -> str:
    """The server the PostgreSQL tests use; without one they skip, saying why."""
    server = os.environ.get("TRUSTWATCH_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("TRUSTWATCH_TEST_POSTGRES_URL is not set (no PostgreSQL server to test on)")
    return server


@contextmanager
def temporary_postgres_database(prefix: str = "trustwatch_test") -> Iterator[str]:
    """A freshly created PostgreSQL database (its URL), dropped afterwards at any scope."""
    server = postgres_server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
