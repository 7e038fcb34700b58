"""Kill a first run (`trustwatch init` + one ingest) at a chosen SQL statement, rerun it.

Shared by `tests/faults/test_first_run_kills.py` and `benchmarks/first_run_kills.py`.
A trial spawns `tests.faults.kill_driver URL first_run N` in its own process (a real
SIGKILL just before the N-th statement: inside the migration's one transaction, the
views, the registry sync or an ingest page), then runs the same first run again in this
process. The warehouse is *wedged* if that rerun fails; otherwise its schema must be at
the head revision and its items exactly a clean run's, none lost, none duplicated.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from tests.faults.kill_driver import first_run
from trustwatch.db.engine import make_engine
from trustwatch.db.migrate import alembic_config
from trustwatch.db.models import Base, Item

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Trial:
    kill_at: int
    killed: bool
    rerun_code: int
    at_head: bool
    lost: int
    duplicated: int

    @property
    def wedged(self) -> bool:
        return self.rerun_code != 0 or not self.at_head


def spawn(url: str, kill_at: int) -> tuple[int, str]:
    """The first run in a child process, killed at statement `kill_at` (0: never)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.faults.kill_driver", url, "first_run", str(kill_at)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return proc.returncode, proc.stdout + proc.stderr


def count_statements(url: str) -> int:
    code, output = spawn(url, 0)
    found = re.search(r"statements=(\d+)", output)
    if code != 0 or not found:
        raise RuntimeError(f"clean first run failed ({code}): {output[-2000:]}")
    return int(found.group(1))


def items(url: str) -> Counter[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return Counter(conn.execute(select(Item.external_id)).scalars())
    finally:
        engine.dispose()


def at_head(url: str) -> bool:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            tables = set(inspect(conn).get_table_names())
        return version == head and set(Base.metadata.tables) <= tables
    finally:
        engine.dispose()


def trial(url: str, kill_at: int, reference: Counter[str]) -> Trial:
    code, _output = spawn(url, kill_at)
    rerun = first_run(url)
    got = items(url) if rerun == 0 else Counter()
    return Trial(
        kill_at=kill_at,
        killed=code == -signal.SIGKILL,
        rerun_code=rerun,
        at_head=rerun == 0 and at_head(url),
        lost=len(set(reference) - set(got)),
        duplicated=sum(n - 1 for n in got.values() if n > 1),
    )
