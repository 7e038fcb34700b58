"""`trustwatch sla` and `trustwatch alerts`, in process against a fresh SQLite warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.sla.factories import ThreadFactory, at, classify, load
from trustwatch.cli import main
from trustwatch.db.engine import get_engine
from trustwatch.domain import ItemKind
from trustwatch.registry import Platform, Registry


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: Registry) -> dict:
    """`trustwatch init`, then a safeguarding comment and an answered visitor post."""
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert main(["init"]) == 0
    engine = get_engine()
    fb = ThreadFactory(engine, registry, "oakfield", Platform.FACEBOOK)
    worrying = fb.make(created_at=at("2026-11-25T10:00"), author="child-1")
    visit = fb.make(created_at=at("2026-11-24T09:00"), author="p2", kind=ItemKind.VISITOR_POST)
    answer = fb.make(
        created_at=at("2026-11-24T15:00"),
        from_school=True,
        parent=visit.external_id,
        root=visit.external_id,
    )
    ids = load(engine, [worrying, visit, answer])
    classify(engine, ids[worrying.external_id], "safeguarding", 0.93, above=True)
    return {"engine": engine, "worrying": ids[worrying.external_id]}


def test_init_creates_the_views(warehouse: dict) -> None:
    with warehouse["engine"].connect() as conn:
        assert conn.execute(text("select count(*) from sla_weekly")).scalar_one() == 0


def test_sla_prints_a_per_school_summary(warehouse: dict, capsys: pytest.CaptureFixture) -> None:
    assert main(["sla", "--now", "2026-11-26T12:00:00+00:00"]) == 0
    out = capsys.readouterr().out
    assert "2 clocks over 2 items" in out
    line = next(li for li in out.splitlines() if li.strip().startswith("oakfield"))
    # school clocks met late open_breached at_risk open compliance median_h p90_h
    assert line.split() == ["oakfield", "2", "1", "0", "1", "0", "0", "50%", "6.0", "6.0"]


def test_sla_runs_incrementally_and_rebuilds_on_request(
    warehouse: dict, capsys: pytest.CaptureFixture
) -> None:
    now = "2026-11-26T12:00:00+00:00"
    assert main(["sla", "--now", now]) == 0
    assert "(full)" in capsys.readouterr().out, "the first run has nothing to build on"
    assert main(["sla", "--now", now]) == 0
    out = capsys.readouterr().out
    assert "(incremental)" in out and "0 rows written" in out
    assert main(["sla", "rebuild", "--now", now]) == 0
    out = capsys.readouterr().out
    assert "(full): 2 clocks over 2 items recomputed, 0 rows written" in out
    line = next(li for li in out.splitlines() if li.strip().startswith("oakfield"))
    assert line.split()[:2] == ["oakfield", "2"], "the summary still covers every clock"


def test_alerts_refresh_then_list_with_filters(
    warehouse: dict, capsys: pytest.CaptureFixture
) -> None:
    assert main(["alerts", "refresh", "--now", "2026-11-26T12:00:00Z"]) == 0
    assert "2 created" in capsys.readouterr().out
    assert main(["alerts", "refresh", "--now", "2026-11-26T12:00:00Z"]) == 0
    assert "0 created, 0 escalated" in capsys.readouterr().out
    assert main(["alerts", "--severity", "critical"]) == 0
    out = capsys.readouterr().out
    assert "safeguarding" in out and "sla_breached" not in out
    assert "handle-child-1" not in out and "child-1" not in out, "pseudonyms only"
    assert main(["alerts", "--status", "open", "--school", "oakfield"]) == 0
    assert "sla_breached" in capsys.readouterr().out
    assert main(["alerts", "--school", "millbrook"]) == 0
    assert "(none)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sla", "--now", "2026-11-26T12:00"], "has no time zone"),
        (["sla", "--now", "yesterday"], "is not an ISO 8601 time"),
        (["alerts", "--school", "nowhere"], "is not in"),
    ],
)
def test_bad_arguments_exit_2_without_traceback(
    warehouse: dict, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Fix:" in err and "Traceback" not in err
