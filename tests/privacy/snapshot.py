"""Read a whole warehouse back, to compare states and to search it for a value."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, MetaData, select


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as plain values, ordered by primary key."""
    meta = MetaData()
    meta.reflect(bind=engine)
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).mappings().all()
            out[name] = [dict(row) for row in rows]
    return out


def contains(engine: Engine, needle: str) -> list[str]:
    """Where (table.column) a value occurs anywhere in the warehouse, case-insensitively."""
    hits = []
    for table, rows in dump(engine).items():
        for row in rows:
            for column, value in row.items():
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                if needle.lower() in text.lower():
                    hits.append(f"{table}.{column}")
    return sorted(set(hits))
