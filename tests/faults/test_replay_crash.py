"""The whole replay ingest (`trustwatch ingest --source replay`) killed mid-run, rerun.

Every partition of every platform in one run: a crash at a sample of its commits, and a
real SIGKILL of a separate process, must leave a warehouse that one rerun turns into
exactly what a clean run produces: the same items with the same content, no duplicate,
the same cursor for every stream and partition. (`benchmarks/faults.py` tries every
commit.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.faults.harness import (
    InjectedCrash,
    ReplayState,
    at_commit,
    crash,
    replay_ingest_cli,
    replay_state,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def reference(fresh_sqlite: Callable[[str], Engine]) -> tuple[ReplayState, int]:
    engine = fresh_sqlite("replay-reference")
    with at_commit(None, crash) as commits:
        assert replay_ingest_cli(str(engine.url)) == 0
    state = replay_state(engine)
    assert state.rows > 300 and state.cursors
    return state, commits[0]


def assert_converged(engine: Engine, reference: ReplayState) -> None:
    after = replay_state(engine)
    assert after.lost(reference) == 0 and after.duplicated() == 0
    assert after.items == reference.items
    assert after.cursors == reference.cursors


def test_crash_at_sampled_commits_then_rerun(
    reference: tuple[ReplayState, int], fresh_sqlite: Callable[[str], Engine]
) -> None:
    ref, commits = reference
    sample = sorted({3, commits // 4, commits // 2, (3 * commits) // 4, commits - 1, commits})
    for number in sample:
        engine = fresh_sqlite(f"replay-crash-{number}")
        with at_commit(number, crash):
            try:  # a crash in a page commit fails that partition; the others go on
                code = replay_ingest_cli(str(engine.url))
            except InjectedCrash:  # outside any partition it ends the run
                code = None
        assert code != 0, number
        crashed = replay_state(engine)
        assert crashed.duplicated() == 0
        for key, cursor in crashed.cursors.items():  # a saved cursor is a final one
            assert cursor.get("bookmark") is None or cursor == ref.cursors[key], (number, key)
        assert replay_ingest_cli(str(engine.url)) == 0
        assert_converged(engine, ref)


@pytest.mark.slow
def test_sigkill_of_the_cli_mid_run(
    reference: tuple[ReplayState, int], fresh_sqlite: Callable[[str], Engine]
) -> None:
    ref, commits = reference
    engine = fresh_sqlite("replay-killed")
    url = engine.url.render_as_string(hide_password=False)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.faults.kill_driver", url, "replay", str(commits // 2)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert 0 < replay_state(engine).rows < ref.rows
    assert replay_ingest_cli(url) == 0
    assert_converged(engine, ref)
