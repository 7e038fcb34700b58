"""`trustwatch model versions / rollback / retrain` on a warehouse with no verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.active import active_artefact, shipped_artefact
from trustwatch.cli import main


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert main(["init"]) == 0


def test_versions_says_what_is_serving(warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "versions"]) == 0
    assert f"serving: {shipped_artefact()}" in capsys.readouterr().out


def test_versions_name_the_labels_a_per_label_retrain_moved(
    warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    """A composite (S7) serves the shipped model on every label it did not move: the list
    says which labels changed, so nobody reads a hate-only change as a new model overall."""
    import datetime as dt
    import os

    from trustwatch.db.engine import make_engine, session_scope
    from trustwatch.db.models import ModelVersion

    engine = make_engine(os.environ["TRUSTWATCH_WAREHOUSE_URL"])
    with session_scope(engine) as session:
        rows = (("a" * 16, {"labels_moved": ["abuse", "hate"]}, 1), ("b" * 16, {}, 8))
        for version, lineage, day in rows:
            session.add(
                ModelVersion(
                    version=version,
                    status="refused",
                    artefact_path="",
                    base_version="shipped0000000000",
                    verdict_count=120,
                    lineage=lineage,
                    created_at=dt.datetime(2026, 9, day, tzinfo=dt.UTC),
                )
            )
    assert main(["model", "versions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("a" * 16) and lines[1].endswith(" labels=abuse,hate")
    assert lines[2].startswith("b" * 16) and "labels=" not in lines[2]


def test_rollback_to_a_version_never_promoted_is_a_user_error(
    warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model", "rollback", "0123456789abcdef"]) == 2
    err = capsys.readouterr().err
    assert "never promoted" in err and "Traceback" not in err
    assert active_artefact() == shipped_artefact()


@pytest.mark.parametrize(
    "options", [[], ["--balance-verdicts", "--heads-only"], ["--heads-only-fallback"]]
)
def test_retrain_without_verdicts_keeps_the_shipped_model(
    warehouse, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model", "retrain", *options]) == 0
    out = capsys.readouterr().out
    assert "retrain skipped: 0 verdict-labelled items" in out
    assert active_artefact() == shipped_artefact()


@pytest.mark.parametrize(
    "argv",
    [
        ["model", "retrain", "--blend", "0"],
        ["model", "retrain", "--blend", "1.5"],
        ["model", "season", "--out", "season", "--blend", "0"],
        ["model", "season", "--out", "season", "--missed-share", "2"],
        ["model", "season", "--out", "season", "--fold", "third"],
        ["model", "retrain", "--keep", "-0.1"],
        ["model", "season", "--out", "season", "--keep", "1.5"],
        ["model", "retrain", "--fallback-blend", "1"],
        ["model", "season", "--out", "season", "--seed", "many"],
        ["model", "season", "--out", "season", "--lead-error", "1"],
        ["model", "retrain", "--anchor", "-0.01"],
        ["model", "season", "--out", "season", "--counterweights", "-3"],
        # One second look per fit: the options name each other and the fix.
        ["model", "retrain", "--heads-only-fallback", "--heads-only"],
        ["model", "season", "--out", "season", "--heads-only-fallback", "--fallback-blend", "0.5"],
    ],
)
def test_a_blend_or_share_out_of_range_is_refused_before_any_work(
    warehouse, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    two_looks = "--heads-only-fallback" in argv
    expected = "--heads-only-fallback is the second look" if two_looks else "Invalid value"
    assert expected in err and "Traceback" not in err
    assert not Path("season").exists()
    assert active_artefact() == shipped_artefact()
