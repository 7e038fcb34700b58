"""The report's reads are portable: the same seeded week on PostgreSQL gives the same figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from reports.factories import FACTORY_SECRET, REPORT_NOW, SEED_END, SEED_START, seed_activity
from trustwatch.db.engine import session_scope
from trustwatch.registry import Registry
from trustwatch.reports import ReportFiles, build_report, period_for


@pytest.mark.postgres
def test_week_report_on_postgresql_matches_sqlite(
    pg_engine: Engine,
    report_engine: Engine,
    week_report: ReportFiles,
    registry: Registry,
    tmp_path: Path,
) -> None:
    with session_scope(pg_engine) as session:
        seed_activity(session, registry, secret=FACTORY_SECRET, start=SEED_START, end=SEED_END)
    files = build_report(pg_engine, registry, period="week", now=REPORT_NOW, out_dir=tmp_path)
    period = period_for("week", REPORT_NOW, registry.trust.timezone)
    with pg_engine.connect() as conn:
        total = conn.execute(
            text(
                "SELECT count(*) FROM items WHERE NOT is_from_school AND NOT is_deleted "
                "AND created_at >= :s AND created_at < :e"
            ),
            {"s": period.start_at, "e": period.end_at},
        ).scalar_one()

    def metrics(html: str) -> dict[str, str]:
        return dict(re.findall(r'data-metric="([^"]+)">(?:<strong>)?([^<]*)<', html))

    on_pg = metrics(files.html.read_text(encoding="utf-8"))
    on_sqlite = metrics(week_report.html.read_text(encoding="utf-8"))
    assert len(on_pg) > 50 and on_pg["total.current"] == str(total)
    assert on_pg == on_sqlite  # same seed, same rows: every figure agrees across dialects
