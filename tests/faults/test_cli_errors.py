"""The CLI on a broken warehouse: one line saying what to do, exit 1, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustwatch.cli import main


def test_cli_on_an_uninitialised_sqlite_warehouse_says_run_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert main(["retention", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "no trustwatch tables" in err and "trustwatch init" in err
