"""Alembic is the only thing that changes the schema; it must go up and down cleanly."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from trustwatch.db.engine import make_engine
from trustwatch.db.migrate import alembic_config, current_tables, downgrade, upgrade
from trustwatch.db.models import Base


def test_one_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "migrations have branched: chain the new revision"


def _roundtrip(engine: Engine) -> None:
    upgrade(engine)
    assert set(Base.metadata.tables) <= current_tables(engine)
    downgrade(engine, "base")
    assert current_tables(engine) <= {"alembic_version"}
    upgrade(engine)
    assert set(Base.metadata.tables) <= current_tables(engine)


def test_upgrade_downgrade_sqlite(sqlite_url: str) -> None:
    _roundtrip(make_engine(sqlite_url))


def test_upgrade_downgrade_postgresql(pg_url: str) -> None:
    engine = make_engine(pg_url)
    _roundtrip(engine)
    engine.dispose()


def test_models_match_migrations(sqlite_url: str) -> None:
    """The models and the newest revision describe the same columns."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    inspector = inspect(engine)
    for name, table in Base.metadata.tables.items():
        migrated = {c["name"] for c in inspector.get_columns(name)}
        assert migrated == set(table.columns.keys()), name


def test_sqlite_uses_wal(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
