"""The CLI, in process: exit codes, messages, and no tracebacks for user errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from trustwatch.cli import main
from trustwatch.db.models import Account, School
from trustwatch.settings import EXAMPLE_CONFIG


@pytest.fixture
def warehouse_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", url)
    return url


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "init" in out and "registry" in out


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from trustwatch.cli import cli

    def walk(group, prefix):
        for name, command in group.commands.items():
            yield [*prefix, name]
            if hasattr(command, "commands"):
                yield from walk(command, [*prefix, name])

    for path in walk(cli, []):
        assert main([*path, "--help"]) == 0, path
        assert "Usage:" in capsys.readouterr().out


def test_registry_check_prints_summary_and_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "check"]) == 0
    out = capsys.readouterr().out
    assert "valid: trust 'Riverbend Learning Trust', 3 schools, 7 accounts" in out
    assert "warning: millbrook: reddit @MillbrookHighOfficial" in out


def test_bad_config_exits_2_with_one_paragraph_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], warehouse_url: str
) -> None:
    bad = tmp_path / "trust.yaml"
    bad.write_text(
        EXAMPLE_CONFIG.read_text().replace("approved_on: 2025-09-01", "approved_on: 2025-13-01")
    )
    assert main(["--config", str(bad), "init"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}, line ")
    assert "approved_on" in err and "YYYY-MM-DD" in err
    assert "Traceback" not in err
    # nothing written: the warehouse file was never created
    assert not Path(warehouse_url.removeprefix("sqlite:///")).exists()


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_init_is_idempotent(warehouse_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert main(["init"]) == 0
    assert "3 schools, 7 accounts" in capsys.readouterr().out
    engine = create_engine(warehouse_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(School)) == 3
        assert conn.scalar(select(func.count()).select_from(Account)) == 7


def test_config_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUSTWATCH_CONFIG", str(tmp_path / "missing.yaml"))
    assert main(["registry", "check"]) == 2
    assert "missing.yaml: the trust registry file does not exist" in capsys.readouterr().err
