"""Secrets hygiene: run the pipeline with sentinel credentials and look for them everywhere.

The replay ingest and the CLI flows (init, ingest, sla, report, retention, export, erase,
alerts, connectors check) run in-process, and the live connectors run against the fake
platforms, clean and failing (500s, 401s), with every logger at DEBUG and SQLAlchemy
echoing statements. Afterwards no sentinel may appear in a log line, stdout/stderr, an
error message, any warehouse table, or any file the run wrote (reports, exports).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from tests.faults.harness import run_once
from tests.faults.platforms import PLATFORMS, RUN_AT, SENTINELS, FaultPlan, make_posts
from tests.privacy.snapshot import dump
from trustwatch.cli import main
from trustwatch.db.engine import make_engine
from trustwatch.logging_setup import install_secret_filter
from trustwatch.registry import Registry
from trustwatch.settings import get_settings

PSEUDONYM_SENTINEL = "SENTINEL-PSEUDONYM-SECRET-3c7e"
OAUTH_SENTINEL = "SENTINEL-REDDIT-OAUTH-ACCESS-61f0"  # handed out by the fake token endpoint


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sql = logging.getLogger("sqlalchemy.engine")
    sql.setLevel(logging.INFO)  # statements and their parameters
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        sql.setLevel(logging.WARNING)


WAREHOUSE_PASSWORD = "SENTINEL-WAREHOUSE-PASSWORD-77e2"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """SQLite, and PostgreSQL with a sentinel password in the URL (the test server trusts
    local connections, so the password travels but is not checked)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hygiene.sqlite'}"
    else:
        pg = make_url(request.getfixturevalue("pg_url")).set(password=WAREHOUSE_PASSWORD)
        url = pg.render_as_string(hide_password=False)
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", url)
    monkeypatch.setenv("TRUSTWATCH_PSEUDONYM_SECRET", PSEUDONYM_SENTINEL)
    get_settings.cache_clear()
    engine = make_engine(url)
    yield engine
    engine.dispose()


def cli(args: list[str], transcript: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    code = main(args)
    out, err = capsys.readouterr()
    transcript.extend([f"$ trustwatch {' '.join(args)} -> {code}", out, err])
    return code


def run_cli_flows(engine: Engine, transcript: list[str], capsys, var_dir: Path) -> None:
    assert cli(["init"], transcript, capsys) == 0
    assert cli(["ingest", "--source", "replay"], transcript, capsys) == 0
    assert cli(["sla", "--now", "2026-11-28T12:00:00Z"], transcript, capsys) == 0
    report = ["report", "--period", "month", "--now", "2026-11-28T12:00:00Z"]
    assert cli(report, transcript, capsys) == 0
    assert cli(["alerts"], transcript, capsys) == 0
    author = next(r for r in dump(engine)["authors"] if r["handle"])
    person = ["--platform", author["platform"], "--author", author["handle"]]
    sar = var_dir / "sar.json"
    assert cli(["export", *person, "--out", str(sar)], transcript, capsys) == 0
    assert cli(["erase", *person, "--reason", "hygiene test"], transcript, capsys) == 0
    assert cli(["retention", "--dry-run"], transcript, capsys) == 0
    assert cli(["retention"], transcript, capsys) == 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for cls in PLATFORMS.values():
            cls(make_posts(2)).register(mock)
        cli(["connectors", "check", "--source", "live"], transcript, capsys)  # some FAIL


def run_live_connectors(engine: Engine, registry: Registry, transcript: list[str]) -> set[str]:
    """Returns the Authorization headers the fakes received: proof the sentinels were used."""
    sent: set[str] = set()
    for platform, cls in PLATFORMS.items():
        for plan in (FaultPlan(), FaultPlan({1: ("http_500", 9)}), FaultPlan({0: ("http_401", 9)})):
            fake = cls(make_posts(6), plan)
            try:
                summary = run_once(engine, registry, fake, now=RUN_AT)
                transcript.extend(json.dumps(r.as_dict()) for r in summary.results)
            except Exception as exc:  # a credentials error may stop a platform: record it
                transcript.append(f"{platform}: {type(exc).__name__}: {exc}")
            sent.update(fake.authorizations)
    return sent


def written_files(var_dir: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in var_dir.rglob("*") if p.is_file()}


def test_no_sentinel_anywhere(
    warehouse: Engine,
    registry: Registry,
    captured_logs: io.StringIO,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install_secret_filter(registry)  # what the CLI and every DAG task do first
    var_dir = get_settings().var_dir
    transcript: list[str] = []
    run_cli_flows(warehouse, transcript, capsys, var_dir)
    sent = run_live_connectors(warehouse, registry, transcript)
    assert f"Bearer {SENTINELS['TRUSTWATCH_X_BEARER_TOKEN']}" in sent
    assert f"Bearer {SENTINELS['TRUSTWATCH_FACEBOOK_PAGE_TOKEN_OAKFIELD']}" in sent
    assert f"bearer {OAUTH_SENTINEL}" in sent

    logs = captured_logs.getvalue()
    tables = json.dumps(dump(warehouse), default=str)
    files = written_files(var_dir)
    assert "reddit.search" in logs or "x.mentions" in logs  # the capture really saw the runs
    assert any(name.endswith(".pdf") for name in files) and any("sar" in n for n in files)
    assert "FAIL" in "\n".join(transcript)  # the failing paths really ran

    sentinels = {
        **SENTINELS,
        "pseudonym": PSEUDONYM_SENTINEL,
        "oauth": OAUTH_SENTINEL,
        "warehouse password": WAREHOUSE_PASSWORD,
    }
    del sentinels["TRUSTWATCH_REDDIT_USER_AGENT"]  # not a secret: sent in every request
    places = {"logs": logs, "cli+errors": "\n".join(transcript), "warehouse": tables}
    leaks = []
    for name, value in sentinels.items():
        for where, text in places.items():
            if value in text:
                leaks.append(f"{name} in {where}")
        leaks += [f"{name} in {path}" for path, data in files.items() if value.encode() in data]
    assert leaks == []
