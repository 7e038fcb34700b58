"""The hourly path seeks by index on SQLite too: no full scan of a big table.

SQLite plans differently from PostgreSQL: with a keyset `item_id > ?` and `ORDER BY
item_id` it would rather walk the whole table in key order than sort the window's few
rows, so a query PostgreSQL answers from an index can cost what the warehouse holds on
the embedded warehouse. The same 20,000-item warehouse as tests/db/test_query_plans.py
(written here with SQLite's SQL), ANALYZEd; one hour through the real jobs; every SELECT
they sent goes through `EXPLAIN QUERY PLAN`, where a full scan reads `SCAN <table>`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.db.test_query_plans import BIG_TABLES, NOW, OAKFIELD_FB, record_hour
from trustwatch.registry import Registry

_SERIES = "with recursive s(g) as (select 1 union all select g + 1 from s where g < {n})"

_SEED = f"""
insert into authors (author_key, platform, platform_author_id, first_seen_at, last_seen_at)
{_SERIES.format(n=3000)}
select 'a' || g, 'facebook', 'p' || g, '2026-01-01 00:00:00.000000',
       '2026-01-01 00:00:00.000000' from s;

insert into items (platform, external_id, kind, stream, school_id, account_id,
                   parent_external_id, thread_root_external_id, author_key, is_from_school,
                   text, created_at, is_deleted, content_hash, ingested_at, updated_at)
{_SERIES.format(n=20000)}
select 'facebook', 'e' || g, case when g % 5 = 1 then 'post' else 'comment' end,
       'facebook:bulk', a.school_id, a.account_id,
       case when g % 5 = 1 then null else 'e' || (g - (g - 1) % 5) end,
       'e' || (g - (g - 1) % 5),
       case when g % 5 in (1, 0) then null else 'a' || (1 + g % 3000) end,
       g % 5 in (1, 0),
       case when g % 997 = 0 then 'Win at https://spam.example' else 'When is the trip?' end,
       datetime('{NOW:%Y-%m-%d %H:%M:%S}', '-730 days', '+' || (g * 50) || ' minutes')
           || '.000000',
       0, printf('%064d', g), '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000'
from s
cross join (select account_id, school_id from accounts
            where platform = 'facebook' and platform_account_id = '{OAKFIELD_FB}') a;

insert into classifications (item_id, label, score, is_above_threshold, model_version,
                             classified_at)
select i.item_id, l.label, (i.item_id * 7919 % 1000) / 1000.0 * 0.6,
       (i.item_id * 7919 % 1000) > 830, 'keyword-test-1', '2026-01-01 00:00:00.000000'
from items i
cross join (select 'abuse' as label union all select 'bullying' union all select 'hate'
            union all select 'complaint' union all select 'safeguarding') l;
"""

# "SCAN items" reads every row (also "SCAN items USING [COVERING] INDEX ..." in index
# order); "SEARCH items USING ..." seeks, except along the key from a keyset's start
# ("rowid>?": from 0, that is every row too). A key range that is one branch of a
# MULTI-INDEX OR starts at a mark (`classification_id > last seen`), so it seeks.
_FULL_SCAN = re.compile(r"^(?:SCAN (\w+)|SEARCH (\w+) USING INTEGER PRIMARY KEY \(rowid>\?\))")


def _full_scans(plan: list[tuple[Any, ...]]) -> list[str]:
    """The plan rows that read a big table whole; `plan` is EXPLAIN QUERY PLAN's rows."""
    nodes = {row[0]: (row[1], str(row[-1])) for row in plan}
    out = []
    for parent, detail in nodes.values():
        match = _FULL_SCAN.match(detail)
        if not match or (match.group(1) or match.group(2)) not in BIG_TABLES:
            continue
        ancestors = []
        while parent in nodes:
            parent, above = nodes[parent]
            ancestors.append(above)
        if match.group(2) and "MULTI-INDEX OR" in ancestors:
            continue
        out.append(detail)
    return out


def test_hourly_queries_never_scan_big_tables_on_sqlite(
    sqlite_engine: Engine, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = sqlite_engine.raw_connection()
    try:
        raw.driver_connection.executescript(_SEED)  # type: ignore[union-attr]
        raw.commit()
    finally:
        raw.close()
    statements = record_hour(sqlite_engine, registry, monkeypatch)
    assert len(statements) > 20
    scans: list[str] = []
    with sqlite_engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            for detail in _full_scans([tuple(r) for r in rows]):
                scans.append(f"{detail}: {' '.join(statement.split())[:300]}")
    assert scans == [], "\n".join(scans)


def test_full_scan_pattern_reads_sqlite_plans() -> None:
    """The pattern tells a scan from a seek in SQLite's own wording."""
    assert _FULL_SCAN.match("SCAN items").group(1) == "items"  # type: ignore[union-attr]
    assert _FULL_SCAN.match("SCAN items USING COVERING INDEX ix").group(1) == "items"  # type: ignore[union-attr]
    assert _FULL_SCAN.match("SEARCH items USING INTEGER PRIMARY KEY (rowid>?)").group(2) == "items"  # type: ignore[union-attr]
    assert _FULL_SCAN.match("SEARCH items USING INDEX ix_items_updated_at (updated_at>?)") is None
    assert _FULL_SCAN.match("SEARCH items USING INTEGER PRIMARY KEY (rowid=?)") is None
    keyset = [(2, 0, 0, "SEARCH items USING INTEGER PRIMARY KEY (rowid>?)")]
    assert _full_scans(keyset) == ["SEARCH items USING INTEGER PRIMARY KEY (rowid>?)"]
    since_mark = [
        (2, 0, 0, "MULTI-INDEX OR"),
        (3, 2, 0, "INDEX 1"),
        (7, 3, 0, "SEARCH classifications USING INDEX ix_c (classified_at>?)"),
        (12, 2, 0, "INDEX 2"),
        (16, 12, 0, "SEARCH classifications USING INTEGER PRIMARY KEY (rowid>?)"),
    ]
    assert _full_scans(since_mark) == []
    assert _full_scans([(2, 0, 0, "SCAN alerts")]) == ["SCAN alerts"]
