"""Run Alembic from code, so `trustwatch init` and tests need no alembic.ini.

A first run must survive being killed half way and being started twice at once:

* **One at a time.** `first_run_lock` serialises migrations (and whatever `init` does
  after them) across processes: a PostgreSQL session advisory lock, or an exclusive
  `fcntl` lock on `<warehouse file>.lock` for SQLite. The second run waits, then finds
  the schema current and does nothing. A killed holder releases the lock with its
  process (the server ends its session; the kernel drops its file locks).
* **All or nothing.** The whole upgrade runs in one transaction. PostgreSQL has
  transactional DDL; SQLite has it too, but Python's sqlite3 driver commits around DDL
  on its own, so the migration uses a connection that leaves transaction control to us
  and opens it with `BEGIN IMMEDIATE`. A kill leaves the schema as it was.
* **Recovery.** A warehouse left half-made by an older version (trustwatch tables but no
  `alembic_version`) is detected: if those tables hold no rows they are dropped and the
  migration runs again, with a warning; if they hold data, `HalfMadeSchemaError` says so
  and changes nothing, rather than failing later with "table ... already exists".
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.pool import NullPool

from trustwatch.errors import UserError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
# pg_advisory_lock takes a bigint: a fixed number for "trustwatch schema".
ADVISORY_LOCK_ID = 0x7472_7573_7477_6174 & 0x7FFF_FFFF_FFFF_FFFF
_held: dict[str, int] = {}


class HalfMadeSchemaError(UserError):
    """Trustwatch tables with data but no schema version: nothing is guessed (exit 2)."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _sqlite_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


@contextmanager
def first_run_lock(engine: Engine) -> Iterator[None]:
    """Hold the warehouse's schema lock (re-entrant within one process)."""
    key = engine.url.render_as_string(hide_password=False)
    if _held.get(key):
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    with _acquire(engine):
        _held[key] = 1
        try:
            yield
        finally:
            _held.pop(key, None)


@contextmanager
def _acquire(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({ADVISORY_LOCK_ID})")
            connection.commit()
            try:
                yield
            finally:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_LOCK_ID})")
                connection.commit()
        return
    path = _sqlite_file(engine)
    if path is None:  # in-memory: one process by definition
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing drops the lock


@contextmanager
def _transactional(engine: Engine) -> Iterator[Connection]:
    """A connection whose whole use is one transaction, DDL included, on both dialects."""
    if _sqlite_file(engine) is None:  # PostgreSQL, or an in-memory SQLite database
        with engine.begin() as connection:
            yield connection
        return
    ddl_engine = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(ddl_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver must not commit for us
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(ddl_engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with ddl_engine.begin() as connection:
            yield connection
    finally:
        ddl_engine.dispose()


def _recover_half_made(connection: Connection) -> None:
    """Tables but no schema version: drop them if empty, else refuse (see module doc)."""
    from trustwatch.db.models import Base

    names = set(inspect(connection).get_table_names())
    ours = names & set(Base.metadata.tables)
    if not ours:
        return
    stamped = (
        VERSION_TABLE in names
        and connection.execute(select(func.count()).select_from(_version())).scalar()
    )
    if stamped:
        return
    reflected = MetaData()
    reflected.reflect(bind=connection, only=sorted(ours | ({VERSION_TABLE} & names)))
    rows = {
        name: connection.execute(select(func.count()).select_from(table)).scalar() or 0
        for name, table in reflected.tables.items()
    }
    where = connection.engine.url.render_as_string(hide_password=True)
    if any(rows[name] for name in ours):
        holding = ", ".join(f"{n} ({c} rows)" for n, c in sorted(rows.items()) if c)
        raise HalfMadeSchemaError(
            f"the warehouse at {where} has trustwatch tables holding data ({holding}) but no "
            "schema version (no alembic_version row), so trustwatch cannot tell which "
            "migrations ran and changes nothing. Fix: keep this database for inspection, "
            "point TRUSTWATCH_WAREHOUSE_URL at a new one and run `trustwatch init`, or "
            "restore it from a backup."
        )
    from trustwatch.warehouse.views import drop_views

    drop_views(connection)
    reflected.drop_all(bind=connection)
    log.warning(
        "the warehouse at %s was left half-made by an interrupted first run (%d empty "
        "tables, no schema version): dropped them and migrating again",
        where,
        len(ours),
    )


def _version() -> Table:
    return Table(VERSION_TABLE, MetaData(), Column("version_num", String(32)))


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision` under the schema lock, in one transaction (module doc)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with first_run_lock(engine), _transactional(engine) as connection:
        _recover_half_made(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with first_run_lock(engine), _transactional(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
