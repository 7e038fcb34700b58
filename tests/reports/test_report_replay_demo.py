"""The report on the replay demo corpus agrees with the team's SQL marts.

The demo warehouse is built the way `make demo` builds it: the replay corpus ingested
through the CLI, then the SLA job and the alert engine (`trustwatch alerts refresh`). The
expected figures are read from the `mentions` and `responses` views (sql/marts), a second,
independent definition of the same numbers maintained with the dashboards.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from trustwatch.cli import main
from trustwatch.registry import Registry
from trustwatch.reports import build_report, period_for
from trustwatch.warehouse.views import create_views

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)  # the corpus runs to 24 Nov 2026


def _nearest_rank(values: list[float], numerator: int, denominator: int) -> float:
    ordered = sorted(values)
    return ordered[(numerator * len(ordered) + numerator) // denominator - 1]


@pytest.mark.slow
def test_term_report_on_the_replay_demo_matches_the_marts(
    sqlite_engine: Engine,
    registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(
        "TRUSTWATCH_WAREHOUSE_URL", sqlite_engine.url.render_as_string(hide_password=False)
    )
    create_views(sqlite_engine)
    assert main(["ingest", "--source", "replay"]) == 0
    assert main(["alerts", "refresh", "--now", NOW.isoformat()]) == 0
    capsys.readouterr()

    files = build_report(sqlite_engine, registry, period="term", now=NOW, out_dir=tmp_path)
    shown = dict(
        re.findall(r'data-metric="([^"]+)">(?:<strong>)?([^<]*)<', files.html.read_text("utf-8"))
    )
    period = period_for("term", NOW, registry.trust.timezone)
    stored = "%Y-%m-%d %H:%M:%S.%f"  # how SQLite holds the warehouse's UTC timestamps
    window = {"s": period.start_at.strftime(stored), "e": period.end_at.strftime(stored)}
    with sqlite_engine.connect() as conn:
        mentions = conn.execute(
            text(
                "SELECT school_key, count(*) FROM mentions WHERE NOT is_deleted "
                "AND created_at >= :s AND created_at < :e GROUP BY school_key"
            ),
            window,
        ).all()
        clocks = conn.execute(
            text(
                "SELECT school_key, sla_status, response_seconds FROM responses "
                "WHERE received_at >= :s AND received_at < :e"
            ),
            window,
        ).all()
    assert sum(n for _, n in mentions) > 100 and len(clocks) > 100
    for school, count in mentions:
        assert shown[f"volume.school.{school}.current"] == str(count), school
    for school in registry.schools:
        mine = [c for c in clocks if c.school_key == school.key]
        met = sum(c.sla_status == "met" for c in mine)
        late = sum(c.sla_status in ("breached", "open_breached") for c in mine)
        answered = [c.response_seconds for c in mine if c.response_seconds is not None]
        key = f"sla.school.{school.key}"
        assert shown[f"{key}.received"] == str(len(mine))
        assert (shown[f"{key}.met"], shown[f"{key}.breached"]) == (str(met), str(late))
        assert shown[f"{key}.compliance_pct"] == f"{100 * met / (met + late):.1f}%"
        assert shown[f"{key}.median_hours"] == f"{_nearest_rank(answered, 1, 2) / 3600:.1f}"
        assert shown[f"{key}.p90_hours"] == f"{_nearest_rank(answered, 9, 10) / 3600:.1f}"
    assert files.pages >= 3 and files.pdf.read_bytes().startswith(b"%PDF-")
