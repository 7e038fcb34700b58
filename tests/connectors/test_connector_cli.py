"""`trustwatch connectors check` and `trustwatch ingest`, in process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import responses
from connector_fakes import FB_BASE, REDDIT_BASE, X_BASE

from trustwatch.cli import main


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", url)
    return url


def test_ingest_replay_twice(warehouse, capsys) -> None:
    assert main(["ingest", "--source", "replay"]) == 0
    out = capsys.readouterr().out
    assert "x:oakfield:mentions" in out and "reddit:Riverbend" in out
    assert re.search(r"\d+ read, 549 new, 0 updated, 0 quarantined, 0 failed", out), out[-300:]

    assert main(["ingest", "--source", "replay"]) == 0
    assert ", 0 new, 0 updated, 0 quarantined, 0 failed" in capsys.readouterr().out


def test_ingest_replay_as_of_and_filters(warehouse, capsys) -> None:
    code = main(
        [
            "ingest",
            "--source",
            "replay",
            "--platform",
            "x",
            "--account",
            "oakfield",
            "--as-of",
            "2026-11-10T12:00:00+00:00",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "x:oakfield:mentions" in out and "x:millbrook" not in out and "facebook" not in out
    assert "as of 2026-11-10 12:00 UTC" in out


def test_ingest_rejects_a_bad_clock(warehouse, capsys) -> None:
    assert main(["ingest", "--source", "replay", "--as-of", "next tuesday"]) == 2
    assert "ISO" in capsys.readouterr().err
    assert main(["ingest", "--as-of", "2026-11-10T12:00:00+00:00"]) == 2


def test_live_ingest_without_credentials_names_the_variable(warehouse, capsys, monkeypatch) -> None:
    monkeypatch.delenv("TRUSTWATCH_X_BEARER_TOKEN")
    # A missing credential is the user's to fix: exit 2, as for any user error.
    assert main(["ingest", "--platform", "x", "--account", "oakfield"]) == 2
    out = capsys.readouterr().out
    assert "TRUSTWATCH_X_BEARER_TOKEN" in out and "Traceback" not in out


def test_connectors_check_replay(capsys) -> None:
    assert main(["connectors", "check", "--source", "replay"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) >= 7 and all("replay corpus" in line for line in lines)


def test_connectors_check_live(capsys, monkeypatch, mock) -> None:
    monkeypatch.delenv("TRUSTWATCH_FACEBOOK_PAGE_TOKEN")
    mock.add(
        responses.GET,
        re.compile(rf"{X_BASE}/users/\d+"),
        json={"data": {"id": "1", "name": "School", "username": "School"}},
    )
    mock.add(responses.GET, f"{REDDIT_BASE}/api/v1/me", json={"name": "MillbrookHighOfficial"})
    mock.add(
        responses.GET,
        re.compile(rf"{REDDIT_BASE}/r/all/new"),
        json={"kind": "Listing", "data": {"children": []}},
    )
    mock.add(
        responses.GET,
        re.compile(rf"{FB_BASE}/\d+\?"),
        json={"id": "1", "name": "Oakfield Primary Academy"},
    )

    assert main(["connectors", "check"]) == 1
    out = capsys.readouterr().out
    assert "ok    x @OakfieldPrimary (oakfield): reads @School" in out
    assert "ok    facebook @OakfieldPrimaryAcademy (oakfield)" in out
    assert "FAIL  facebook @MillbrookHighSchool (millbrook)" in out
    assert "TRUSTWATCH_FACEBOOK_PAGE_TOKEN" in out
    assert (
        "ok    reddit @MillbrookHighOfficial (millbrook): signed in as u/MillbrookHighOfficial"
        in out
    )
    assert "SENTINEL" not in out
    assert len(out.strip().splitlines()) == 7, "one line per configured account"
