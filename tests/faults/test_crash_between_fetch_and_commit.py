"""Kill the ingest between fetch and commit, at every commit of a run; rerun; compare."""

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
    at_commit,
    converged,
    crash,
    run_once,
    state,
)
from tests.faults.platforms import PLATFORMS, RUN_AT, make_posts
from trustwatch.registry import Registry

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def reference(fresh_sqlite: Callable[[str], Engine], registry: Registry, platform: str):
    """A clean run: the state every faulty run must converge to, and its commit count."""
    engine = fresh_sqlite(f"{platform}-reference")
    fake = PLATFORMS[platform](make_posts(10))
    with at_commit(None, crash) as commits:
        summary = run_once(engine, registry, fake, now=RUN_AT)
    assert summary.ok
    ref = state(engine, fake)
    assert set(ref.ids) == fake.expected_ids()
    return ref, commits[0]


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_crash_at_every_commit_loses_and_duplicates_nothing(
    platform: str, fresh_sqlite: Callable[[str], Engine], registry: Registry
) -> None:
    ref, commits = reference(fresh_sqlite, registry, platform)
    assert commits >= 4  # planning, cursor read and one commit per page (3 pages)
    for number in range(1, commits + 1):
        engine = fresh_sqlite(f"{platform}-crash-{number}")
        fake = PLATFORMS[platform](make_posts(10))
        with at_commit(number, crash):
            try:
                first = run_once(engine, registry, fake, now=RUN_AT)
            except InjectedCrash as exc:
                first = exc
        after_crash = state(engine, fake)
        # The cursor is never ahead of the data: either untouched or final with all items.
        assert after_crash.cursor in (None, {}, ref.cursor), number
        if after_crash.cursor == ref.cursor:
            assert set(after_crash.ids) == set(ref.ids), number
        again = run_once(engine, registry, fake, now=RUN_AT)
        assert again.ok, (number, [r.error for r in again.results])
        result = converged(engine, fake, ref, f"{platform} crash at commit {number}", first)
        assert (result.lost, result.duplicated) == (0, 0), result
        assert result.cursor_consistent and result.error_cleared, result


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", [3, 5])  # mid-walk page; the last page with the cursor
def test_sigkill_mid_run_then_rerun(
    kill_at: int, fresh_sqlite: Callable[[str], Engine], registry: Registry
) -> None:
    """A real SIGKILL of a separate process holding the SQLite file open mid-transaction."""
    ref, _ = reference(fresh_sqlite, registry, "x")
    engine = fresh_sqlite(f"killed-{kill_at}")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.faults.kill_driver",
            engine.url.render_as_string(hide_password=False),
            "x",
            str(kill_at),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    fake = PLATFORMS["x"](make_posts(10))
    killed = state(engine, fake)
    assert killed.cursor in (None, {}, ref.cursor)
    assert run_once(engine, registry, fake, now=RUN_AT).ok
    result = converged(engine, fake, ref, f"x SIGKILL at commit {kill_at}", None)
    assert (result.lost, result.duplicated, result.cursor_consistent) == (0, 0, True)
