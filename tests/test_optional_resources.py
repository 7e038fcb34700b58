"""The optional test resources: a PostgreSQL server and the public datasets.

A fresh clone has neither, and `make test` must still pass there: the tests that need them
skip with one reason and the run ends with one line per resource saying how to enable them.
These tests check the probe that looks for a local server and that promise, by running a
small pytest session in a subprocess with both resources out of reach.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

from tests.resources import DATASETS_SKIP, POSTGRES_SKIP, postgres_server_url, probe_postgres
from trustwatch.receiver.launch import free_port as closed_port  # nothing listens on it

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _finishes(function, *args) -> tuple[bool, object]:
    """Run `function` in a thread; (finished within a minute, its result)."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(function(*args)), daemon=True)
    worker.start()
    worker.join(60)
    return not worker.is_alive(), result[0] if result else None


def test_probe_reports_a_refused_port_in_one_line() -> None:
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{closed_port()}/postgres"
    finished, reason = _finishes(probe_postgres, url)
    assert finished
    assert isinstance(reason, str) and "\n" not in reason and "Traceback" not in reason
    assert "refused" in reason.lower()


def test_probe_gives_up_on_a_port_that_never_answers() -> None:
    """A listener that accepts the connection but never speaks must not hang the run."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        url = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
        finished, reason = _finishes(probe_postgres, url)
    assert finished
    assert isinstance(reason, str) and "\n" not in reason
    assert "timeout" in reason.lower()


def test_probe_never_prints_a_password() -> None:
    url = f"postgresql+psycopg2://postgres:hunter2-secret@127.0.0.1:{closed_port()}/postgres"
    reason = probe_postgres(url)
    assert reason is not None and "hunter2-secret" not in reason


@pytest.mark.postgres
def test_probe_accepts_a_running_server() -> None:
    assert probe_postgres(postgres_server_url()) is None


_SESSION = """
def test_needs_postgres(pg_url):
    raise AssertionError("ran without PostgreSQL")

def test_needs_postgres_too(pg_engine):
    raise AssertionError("ran without PostgreSQL")

def test_needs_the_datasets(public_datasets_dir):
    raise AssertionError("ran without the datasets")

def test_needs_nothing():
    pass
"""


def test_a_run_without_either_resource_skips_cleanly_and_says_so_once(tmp_path: Path) -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    markers = pyproject["tool"]["pytest"]["ini_options"]["markers"]
    ini = "[pytest]\naddopts = -ra --strict-markers -p no:cacheprovider\nmarkers =\n"
    (tmp_path / "pytest.ini").write_text(ini + "".join(f"  {m}\n" for m in markers))
    (tmp_path / "test_session.py").write_text(_SESSION, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TRUSTWATCH_TEST_POSTGRES_URL"}
    env["TRUSTWATCH_TEST_POSTGRES_PROBE_URL"] = (
        f"postgresql+psycopg2://postgres@127.0.0.1:{closed_port()}/postgres"
    )
    env["TRUSTWATCH_DATASETS"] = str(tmp_path / "no-datasets-here")
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), env.get("PYTHONPATH", "")])
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "test_session.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "1 passed, 3 skipped" in out
    assert "Traceback" not in out
    lines = out.splitlines()
    # One folded skip reason per resource, and one summary line each.
    assert sum(POSTGRES_SKIP in line for line in lines) == 1
    assert sum(DATASETS_SKIP in line for line in lines) == 1
    postgres = [line for line in lines if "for want of PostgreSQL" in line]
    datasets = [line for line in lines if "for want of the public labelled datasets" in line]
    assert len(postgres) == 1 and postgres[0].startswith("trustwatch: 2 skipped")
    assert "refused" in postgres[0].lower() and "TRUSTWATCH_TEST_POSTGRES_URL=" in postgres[0]
    assert len(datasets) == 1 and datasets[0].startswith("trustwatch: 1 skipped")
    assert "set TRUSTWATCH_DATASETS=/path/to/datasets" in datasets[0]
