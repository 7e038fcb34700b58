"""Engines and sessions for the warehouse, embedded SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from trustwatch.settings import get_settings, warehouse_url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the web app read while a DAG writes; FKs are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """Build an engine; SQLite files get their folder created and the pragmas above."""
    url = url or get_settings().resolved_warehouse_url
    try:
        url = warehouse_url(url)  # a plain postgresql:// means psycopg2, the installed driver
    except ValueError as exc:
        from trustwatch.errors import ConfigError

        raise ConfigError(f"the warehouse URL is invalid: {exc}.") from None
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process."""
    return make_engine(url)


@contextmanager
def unit_of_work(factory: Callable[[], Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error, always close.

    The one transaction rule for the CLI, the DAG tasks (`session_scope`) and the review
    app's requests (which bring their own session factory).
    """
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def session_scope(engine: Engine | None = None) -> AbstractContextManager[Session]:
    """A unit of work on `engine` (default: the configured warehouse)."""
    return unit_of_work(sessionmaker(bind=engine or get_engine(), expire_on_commit=False))
