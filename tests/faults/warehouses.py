"""Scratch warehouses for the fault tests and the fault benchmarks, made one way.

The poison suite, the parser and ingest fuzzers and `benchmarks/fuzz_ingest.py` each
used to create a database, migrate it, load the registry and drop it with their own copy
of the same lines. They now share these: a migrated, registry-synced SQLite file, or a
PostgreSQL database created on a given server and dropped (with its connections) after.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.migrate import upgrade
from trustwatch.registry import Registry
from trustwatch.warehouse.registry_sync import sync_registry

# Emptied between cases that share one database (children before parents).
INGEST_TABLES = ("quarantine", "validation_results", "ingest_state", "items", "authors")


def migrate(engine: Engine, registry: Registry) -> Engine:
    """Bring `engine`'s warehouse to the head revision and load the registry into it."""
    upgrade(engine)
    with session_scope(engine) as session:
        sync_registry(session, registry)
    return engine


def migrated_sqlite(path: Path, registry: Registry) -> str:
    """A migrated, registry-synced SQLite warehouse file; returns its URL."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine, registry)
    engine.dispose()
    return url


@contextmanager
def scratch_postgres(server: str, registry: Registry, *, prefix: str) -> Iterator[Engine]:
    """A new migrated PostgreSQL warehouse named `<prefix>_<random>` on `server`.

    Dropped afterwards (`WITH (FORCE)`: connections a failed test left open go too).
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(server).set(database=name).render_as_string(hide_password=False))
    try:
        yield migrate(engine, registry)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_ingest_tables(engine: Engine) -> None:
    """What one ingest case wrote, removed, so the next case starts from the registry."""
    with session_scope(engine) as session:
        for table in INGEST_TABLES:
            session.execute(text(f"DELETE FROM {table}"))
