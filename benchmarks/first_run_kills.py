"""SIGKILL a first run at random SQL statements, rerun it, count wedged warehouses.

    /work/main/.venv/bin/python benchmarks/first_run_kills.py [--trials 50] [--seed 22]

A first run is `trustwatch init` (migration, views, registry sync) followed by one X
ingest (`tests/faults/first_run.py`). For each database (SQLite always; PostgreSQL when
TRUSTWATCH_TEST_POSTGRES_URL names a server) it counts the statements of a clean run,
then for each trial kills a fresh warehouse's first run just before a random statement
(a real SIGKILL of a separate process) and runs the first run again. It prints, per
database: trials, kills that landed in the migration, wedged warehouses (rerun failed or
schema not at head), items lost and duplicated against the clean run. Target: 0, 0, 0.

It also races 4 processes creating the development pseudonym key, `--key-trials` times.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


from tests.faults import first_run  # noqa: E402
from tests.faults.key_race import race  # noqa: E402
from tests.faults.platforms import SENTINELS  # noqa: E402
from tests.resources import temporary_postgres_database  # noqa: E402


@contextmanager
def sqlite_database(root: Path) -> Iterator[str]:
    yield f"sqlite:///{root / (uuid.uuid4().hex[:8] + '.sqlite')}"


def run(label: str, database, trials: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with database() as url:
        statements = first_run.count_statements(url)
        reference = first_run.items(url)
    migration = _migration_statements(database)
    assert statements > migration > 0
    print(f"{label}: {statements} statements per first run, {migration} in the migration")
    results = []
    for number in range(1, trials + 1):
        with database() as url:
            result = first_run.trial(url, rng.randint(1, statements), reference)
        results.append(result)
        print(
            f"  {label} trial {number:>3}: kill before statement {result.kill_at:>3} "
            f"killed={result.killed} wedged={result.wedged} lost={result.lost} "
            f"duplicated={result.duplicated}",
            flush=True,
        )
    in_migration = sum(1 for r in results if r.kill_at <= migration)
    print(
        f"{label:<11} trials {len(results):>3}  statements {statements:>4}  "
        f"killed {sum(r.killed for r in results):>3}  in migration {in_migration:>3}  "
        f"wedged {sum(r.wedged for r in results)}  lost {sum(r.lost for r in results)}  "
        f"duplicated {sum(r.duplicated for r in results)}  "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )


def _migration_statements(database) -> int:  # type: ignore[no-untyped-def]
    """Statements up to the end of the migration: a clean `upgrade` counted alone."""
    from sqlalchemy import Engine, event

    from trustwatch.db.engine import make_engine
    from trustwatch.db.migrate import upgrade

    seen = [0]

    def count(*_args: object) -> None:
        seen[0] += 1

    with database() as url:
        engine = make_engine(url)
        event.listen(Engine, "before_cursor_execute", count)
        try:
            upgrade(engine)
        finally:
            event.remove(Engine, "before_cursor_execute", count)
            engine.dispose()
    return seen[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--key-trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--only", choices=["sqlite", "postgresql", "key"], default=None)
    args = parser.parse_args()
    for name, value in SENTINELS.items():
        os.environ.setdefault(name, value)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="tw-kills-") as tmp:
        os.environ["TRUSTWATCH_VAR_DIR"] = str(Path(tmp) / "var")
        if args.only in (None, "key"):
            failures, distinct = race(Path(tmp) / "keys", processes=4, trials=args.key_trials)
            print(
                f"key race    trials {args.key_trials:>3} x 4 processes  failures {failures}  "
                f"trials where processes disagreed {distinct}",
                flush=True,
            )
        if args.only in (None, "sqlite"):
            run("sqlite", lambda: sqlite_database(Path(tmp)), args.trials, rng)
        server = os.environ.get("TRUSTWATCH_TEST_POSTGRES_URL")
        if args.only in (None, "postgresql"):
            if server:
                database = partial(temporary_postgres_database, "tw_kill", server)
                run("postgresql", database, args.trials, rng)
            else:
                print("postgresql  skipped: TRUSTWATCH_TEST_POSTGRES_URL is not set")


if __name__ == "__main__":
    main()
