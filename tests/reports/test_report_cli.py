"""`trustwatch report` end to end: exit codes, files, one school's scope, a term report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from trustwatch.cli import main


@pytest.fixture
def warehouse_env(report_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "TRUSTWATCH_WAREHOUSE_URL", report_engine.url.render_as_string(hide_password=False)
    )


def test_school_term_report_writes_both_files(
    warehouse_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "report",
            "--period",
            "term",
            "--school",
            "millbrook",
            "--out",
            str(tmp_path),
            "--now",
            "2026-11-28T12:00:00",
        ]
    )
    assert code == 0, capsys.readouterr().err
    html = tmp_path / "trustwatch-millbrook-term-2026-09-01.html"
    pdf = tmp_path / "trustwatch-millbrook-term-2026-09-01.pdf"
    assert html.is_file() and pdf.read_bytes().startswith(b"%PDF-")
    body = html.read_text(encoding="utf-8")
    assert "Millbrook High School" in body and "Autumn term 2026/27 to 28 Nov 2026" in body
    assert 'data-metric="volume.school.oakfield.current"' not in body  # one school only
    pages = int(re.search(r"\((\d+) pages\)", capsys.readouterr().out).group(1))
    assert pages >= 3


def test_default_output_goes_under_the_var_dir(
    warehouse_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--period", "month", "--now", "2026-11-02T08:00:00+00:00"]) == 0
    out = capsys.readouterr().out
    assert "trustwatch-trust-month-2026-10-01.pdf" in out
    written = Path(out.splitlines()[0].removeprefix("wrote "))
    assert written.is_file() and "reports" in written.parts


def test_unknown_school_is_a_user_error(
    warehouse_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--school", "nowhere", "--now", "2026-11-30T07:00:00Z"]) == 2
    assert "unknown school 'nowhere'" in capsys.readouterr().err


def test_bad_now_is_refused(warehouse_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--now", "last tuesday"]) == 2


def test_an_uninitialised_warehouse_is_a_user_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert main(["report", "--now", "2026-11-30T07:00:00Z"]) == 2
    assert "run `trustwatch init`" in capsys.readouterr().err
