"""Dialect-aware INSERT ... ON CONFLICT, the one way rows are upserted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# SQLite allows 32,766 bound parameters per statement; stay well below on both dialects.
_MAX_PARAMS = 30_000


def insert_for(session: Session, table: Table) -> Any:
    """The dialect's insert construct (both SQLite and PostgreSQL support ON CONFLICT)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"warehouse dialect {name!r} is not supported (SQLite or PostgreSQL)")


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str] = (),
    when_changed: str | None = None,
) -> None:
    """Insert rows, or update the `update` columns of the row with the same `keys`.

    With `when_changed`, a conflicting row is only updated if that column differs, so an
    unchanged re-load writes nothing (and leaves timestamps alone).
    """
    if not rows:
        return
    per_row = max(len(rows[0]), 1)
    chunk = max(1, _MAX_PARAMS // per_row)
    for start in range(0, len(rows), chunk):
        part = list(rows[start : start + chunk])
        stmt = insert_for(session, table).values(part)
        if update:
            where = None
            if when_changed is not None:
                where = table.c[when_changed] != stmt.excluded[when_changed]
            stmt = stmt.on_conflict_do_update(
                index_elements=list(keys),
                set_={name: stmt.excluded[name] for name in update},
                where=where,
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        session.execute(stmt)
