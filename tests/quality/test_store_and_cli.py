"""Suite outcomes are stored once per interval and shown to data staff by the CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select, update

from trustwatch.cli import main
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Classification, ValidationResult
from trustwatch.quality.runner import Failure, SuiteOutcome, merge_outcomes
from trustwatch.quality.store import record_outcome

START = dt.datetime(2026, 11, 9, 10, tzinfo=dt.UTC)
WINDOW = (START, START + dt.timedelta(hours=1))


def outcome(failed_rows: int = 0) -> SuiteOutcome:
    failures = (
        (Failure("text_length", "too long", failed_rows, tuple(range(failed_rows)), ("x",)),)
        if failed_rows
        else ()
    )
    return SuiteOutcome("items_batch", not failures, 8, 10, failures)


def rows(engine: Engine) -> list[ValidationResult]:
    with session_scope(engine) as session:
        return list(session.scalars(select(ValidationResult)))


def test_rerun_of_an_interval_rewrites_nothing(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        record_outcome(session, outcome(), target="x:oakfield:mentions", interval=WINDOW)
    first = rows(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        record_outcome(session, outcome(), target="x:oakfield:mentions", interval=WINDOW)
    again = rows(sqlite_engine)
    assert len(again) == 1
    assert again[0].run_at == first[0].run_at and again[0].success


def test_changed_outcome_replaces_the_row(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        record_outcome(session, outcome(), target="x:oakfield:mentions", interval=WINDOW)
        record_outcome(session, outcome(2), target="x:oakfield:mentions", interval=WINDOW)
    (row,) = rows(sqlite_engine)
    assert not row.success and row.rows_failed == 2
    assert row.failures[0]["check"] == "text_length"


def test_merge_adds_rows_across_pages() -> None:
    merged = merge_outcomes("items_batch", [outcome(2), outcome(), outcome(1)])
    assert merged.rows_checked == 30 and merged.rows_failed == 3
    assert [(f.check, f.unexpected_count) for f in merged.failures] == [("text_length", 3)]
    assert not merged.success


def test_cli_lists_results_and_runs_checks(
    sqlite_url: str, seeded_sqlite: Engine, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", sqlite_url)
    monkeypatch.delenv("TRUSTWATCH_SMTP_HOST", raising=False)
    assert main(["checks"]) == 1
    out = capsys.readouterr().out
    assert "notification channel: MISSING: TRUSTWATCH_SMTP_HOST is not set" in out
    assert "no data-check results stored yet" in out

    monkeypatch.setenv("TRUSTWATCH_SMTP_HOST", "smtp.example.org")
    assert main(["checks"]) == 0
    assert "notification channel: email via smtp.example.org:587" in capsys.readouterr().out

    assert main(["checks", "--run"]) == 0
    out = capsys.readouterr().out
    assert "warehouse checks passed: 4 suites" in out
    assert out.count("pass") >= 4

    with session_scope(seeded_sqlite) as session:
        session.execute(update(Classification).values(score=2.0))
    # Changed behind the loaders' backs (no new stamp): drift, for the full (daily) run.
    assert main(["checks", "--run", "--full", "--failed"]) == 1
    captured = capsys.readouterr()
    assert "scores_in_unit_interval" in captured.err
    assert "FAIL" in captured.out and "a classifier score is outside [0, 1]" in captured.out
