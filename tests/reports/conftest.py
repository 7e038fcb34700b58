"""A seeded warehouse and one built report, shared by the report tests of a module.

Building a report embeds the complaints and lays out a PDF, so it is done once per
module on its own SQLite file rather than once per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from reports.factories import FACTORY_SECRET, REPORT_NOW, SEED_END, SEED_START, seed_activity
from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.migrate import upgrade
from trustwatch.registry import Registry
from trustwatch.reports import ReportFiles, build_report
from trustwatch.warehouse.registry_sync import sync_registry


def seeded_warehouse(path: Path, registry: Registry) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_scope(engine) as session:
        sync_registry(session, registry)
        seed_activity(session, registry, secret=FACTORY_SECRET, start=SEED_START, end=SEED_END)
    return engine


@pytest.fixture(scope="module")
def report_engine(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Iterator[Engine]:
    engine = seeded_warehouse(tmp_path_factory.mktemp("reports") / "warehouse.sqlite", registry)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def week_report(
    report_engine: Engine, registry: Registry, tmp_path_factory: pytest.TempPathFactory
) -> ReportFiles:
    out = tmp_path_factory.mktemp("out")
    return build_report(report_engine, registry, period="week", now=REPORT_NOW, out_dir=out)
