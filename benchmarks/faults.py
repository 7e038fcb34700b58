"""How many faults were thrown at the pipeline, and how many items it lost or duplicated.

    .venv/bin/python benchmarks/faults.py [--replay-stride N] [--fuzz-examples N]

Runs the fault harness of `tests/faults` outside pytest and prints one table:

* crash between fetch and commit at every commit of a live-connector run (X, Reddit,
  Facebook fakes, three pages each) and at every `--replay-stride`-th commit of the whole
  replay ingest (1 = every commit), each followed by a rerun;
* a real SIGKILL of a separate process mid-run (fake X, and the replay ingest CLI);
* API faults (429, 500, timeout, truncated JSON) on every page of every platform's walk,
  transient and persistent, followed by a catch-up run with new posts;
* the PostgreSQL backend terminated at every page commit (if TRUSTWATCH_TEST_POSTGRES_URL
  names a server);
* hypothesis-generated pages for every stream's parser, loaded into a warehouse.

Lost = items a clean run stores that the faulty run plus one rerun does not; duplicated =
rows beyond one per natural key. The target for both is zero.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.faults import harness  # noqa: E402
from tests.faults.platforms import (  # noqa: E402
    FAULT_KINDS,
    PLATFORMS,
    RUN_AT,
    SENTINELS,
    FaultPlan,
    make_posts,
)
from trustwatch.db.engine import make_engine  # noqa: E402
from trustwatch.registry import Registry, load_registry  # noqa: E402
from trustwatch.settings import EXAMPLE_CONFIG, get_settings  # noqa: E402


@dataclass
class Family:
    """One row of the table: a kind of fault and what it did."""

    name: str
    cases: int = 0
    lost: int = 0
    duplicated: int = 0
    cursor_mismatches: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, lost: int, duplicated: int, cursor_ok: bool, label: str) -> None:
        self.cases += 1
        self.lost += lost
        self.duplicated += duplicated
        if not cursor_ok:
            self.cursor_mismatches += 1
        if lost or duplicated or not cursor_ok:
            self.failures.append(label)


class Warehouses:
    """Fresh migrated SQLite warehouses, copied from one template."""

    def __init__(self, workdir: Path, registry: Registry) -> None:
        self.workdir = workdir
        self.template = workdir / "template.sqlite"
        harness.migrated_sqlite(self.template, registry)
        self.count = 0

    def fresh(self) -> Any:
        self.count += 1
        return make_engine(
            harness.copy_sqlite(self.template, self.workdir / f"w{self.count}.sqlite")
        )


def live_reference(db: Warehouses, registry: Registry, platform: str) -> tuple[Any, int]:
    engine = db.fresh()
    with harness.at_commit(None, harness.crash) as commits:
        harness.run_once(engine, registry, PLATFORMS[platform](make_posts(10)), now=RUN_AT)
    ref = harness.state(engine, PLATFORMS[platform](make_posts(10)))
    engine.dispose()
    return ref, commits[0]


def crash_live(db: Warehouses, registry: Registry, family: Family) -> None:
    for platform in PLATFORMS:
        ref, commits = live_reference(db, registry, platform)
        for number in range(1, commits + 1):
            engine = db.fresh()
            fake = PLATFORMS[platform](make_posts(10))
            crashing = harness.at_commit(number, harness.crash)
            with crashing, contextlib.suppress(harness.InjectedCrash):
                harness.run_once(engine, registry, fake, now=RUN_AT)
            harness.run_once(engine, registry, fake, now=RUN_AT)
            r = harness.converged(engine, fake, ref, f"{platform}@{number}", None)
            family.add(r.lost, r.duplicated, r.cursor_consistent, r.name)
            engine.dispose()


def replay_run(url: str) -> int:
    """The replay ingest CLI, its progress and table sent to /dev/null."""
    with (
        open(os.devnull, "w") as quiet,
        contextlib.redirect_stdout(quiet),
        contextlib.redirect_stderr(quiet),
    ):
        try:
            return harness.replay_ingest_cli(url)
        except harness.InjectedCrash:
            return -1


def crash_replay(db: Warehouses, stride: int, family: Family) -> None:
    engine = db.fresh()
    with harness.at_commit(None, harness.crash) as commits:
        replay_run(str(engine.url))
    ref = harness.replay_state(engine)
    engine.dispose()
    for number in range(1, commits[0] + 1, stride):
        engine = db.fresh()
        with harness.at_commit(number, harness.crash):
            replay_run(str(engine.url))
        replay_run(str(engine.url))
        after = harness.replay_state(engine)
        same = after.items == ref.items and after.cursors == ref.cursors
        family.add(after.lost(ref), after.duplicated(), same, f"replay@{number}")
        engine.dispose()


def sigkill(db: Warehouses, registry: Registry, family: Family) -> None:
    cases: list[tuple[str, int]] = [("x", 3), ("x", 5), ("facebook", 4), ("reddit", 4)]
    engine = db.fresh()
    with harness.at_commit(None, harness.crash) as commits:
        replay_run(str(engine.url))
    replay_ref = harness.replay_state(engine)
    engine.dispose()
    cases.append(("replay", commits[0] // 2))
    for target, number in cases:
        engine = db.fresh()
        url = engine.url.render_as_string(hide_password=False)
        proc = subprocess.run(
            [sys.executable, "-m", "tests.faults.kill_driver", url, target, str(number)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            capture_output=True,
            timeout=600,
        )
        label = f"SIGKILL {target}@{number}"
        if proc.returncode != -signal.SIGKILL:
            family.failures.append(f"{label}: exit {proc.returncode}, not killed")
        if target == "replay":
            replay_run(url)
            after = harness.replay_state(engine)
            same = after.items == replay_ref.items and after.cursors == replay_ref.cursors
            family.add(after.lost(replay_ref), after.duplicated(), same, label)
        else:
            ref, _ = live_reference(db, registry, target)
            fake = PLATFORMS[target](make_posts(10))
            harness.run_once(engine, registry, fake, now=RUN_AT)
            r = harness.converged(engine, fake, ref, label, None)
            family.add(r.lost, r.duplicated, r.cursor_consistent, label)
        engine.dispose()


def api_faults(db: Warehouses, registry: Registry, family: Family) -> None:
    later = RUN_AT + dt.timedelta(hours=1)
    every = make_posts(10) + make_posts(2, offset=10)
    for platform, cls in PLATFORMS.items():
        ref_engine = db.fresh()
        ref_fake = cls(every)
        harness.run_once(ref_engine, registry, ref_fake, now=later)
        ref = harness.state(ref_engine, ref_fake)
        ref_engine.dispose()
        for page in range(3):
            for kind in FAULT_KINDS:
                for times in (2, 5):
                    engine = db.fresh()
                    fake = cls(make_posts(10), FaultPlan({page: (kind, times)}))
                    first = harness.run_once(engine, registry, fake, now=RUN_AT)
                    label = f"{platform} {kind} page {page} x{times}"
                    if times == 5 and (first.ok or not first.results[0].error):
                        family.failures.append(f"{label}: the failing run did not say so")
                    fake.posts, fake.plan = list(every), FaultPlan()
                    harness.run_once(engine, registry, fake, now=later)
                    r = harness.converged(engine, fake, ref, label, first)
                    family.add(r.lost, r.duplicated, r.cursor_consistent, label)
                    engine.dispose()


def pg_terminate(registry: Registry, family: Family) -> bool:
    server = os.environ.get("TRUSTWATCH_TEST_POSTGRES_URL")
    if not server:
        return False
    from trustwatch.db.engine import session_scope
    from trustwatch.db.migrate import upgrade
    from trustwatch.warehouse.registry_sync import sync_registry

    name = f"trustwatch_faults_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            sync_registry(session, registry)
        for platform, cls in PLATFORMS.items():
            _empty(engine)
            harness.run_once(engine, registry, cls(make_posts(10)), now=RUN_AT)
            ref = harness.state(engine, cls(make_posts(10)))
            for number in (3, 4, 5):
                _empty(engine)
                fake = cls(make_posts(10))
                with harness.at_commit(number, harness.terminate_backend(server)):
                    first = harness.run_once(engine, registry, fake, now=RUN_AT)
                harness.run_once(engine, registry, fake, now=RUN_AT)
                label = f"{platform} terminate@{number}"
                r = harness.converged(engine, fake, ref, label, first)
                family.add(r.lost, r.duplicated, r.cursor_consistent, label)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
    return True


def _empty(engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE items, authors, ingest_state, quarantine CASCADE"))


@dataclass
class FuzzTally:
    pages: int = 0
    records: int = 0
    parsed: int = 0
    quarantined: int = 0
    skipped: int = 0
    unhandled: list[str] = field(default_factory=list)


def fuzz(db: Warehouses, registry: Registry, examples: int) -> FuzzTally:
    from hypothesis import HealthCheck, given, settings
    from sqlalchemy.orm import Session

    from connectors.base import Page
    from tests.faults import fuzz as strategies
    from tests.faults.test_parser_fuzz import TEMPLATES, build_stream
    from trustwatch.ingest import make_committer

    tally = FuzzTally()
    engine = db.fresh()
    commit = make_committer(
        pseudonym_secret=harness.PSEUDONYM_SECRET, school_ids={}, run_started_at=RUN_AT
    )

    def checker(stream: Any, template: dict[str, Any]) -> Callable[[], None]:
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(page=strategies.records(template))
        def check(page: list[Any]) -> None:
            tally.pages += 1
            tally.records += len(page)
            items, rejected, skipped = stream.parse_page(Page(page))
            tally.parsed += len(items)
            tally.quarantined += len(rejected)
            tally.skipped += skipped
            with Session(engine) as session:
                commit(session, stream, items, rejected, None)
                session.rollback()

        return check

    for name, template in TEMPLATES.items():
        try:
            checker(build_stream(registry, name), template())()
        except Exception as exc:  # counted and shown: the target is none
            tally.unhandled.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
    engine.dispose()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replay-stride", type=int, default=10, help="1 = every commit")
    parser.add_argument("--fuzz-examples", type=int, default=200, help="pages per stream")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="trustwatch-faults-"))
    os.environ.update(SENTINELS)
    os.environ["TRUSTWATCH_VAR_DIR"] = str(workdir / "var")
    os.environ.setdefault("TRUSTWATCH_PSEUDONYM_SECRET", "benchmark-pseudonym-secret")
    get_settings.cache_clear()
    import logging

    logging.disable(logging.WARNING)  # the retry warnings of hundreds of faults
    registry = load_registry(EXAMPLE_CONFIG)
    db = Warehouses(workdir, registry)

    families: list[Family] = []
    timings: dict[str, float] = {}
    steps: list[tuple[Family, Callable[[Family], Any]]] = [
        (
            Family("crash at every commit (live, 3 platforms)"),
            lambda f: crash_live(db, registry, f),
        ),
        (
            Family(f"crash at every {args.replay_stride}. commit (replay CLI)"),
            lambda f: crash_replay(db, args.replay_stride, f),
        ),
        (Family("SIGKILL of a separate process"), lambda f: sigkill(db, registry, f)),
        (Family("API faults on every page"), lambda f: api_faults(db, registry, f)),
    ]
    for family, step in steps:
        start = time.perf_counter()
        step(family)
        timings[family.name] = time.perf_counter() - start
        families.append(family)
    pg = Family("PostgreSQL backend terminated")
    start = time.perf_counter()
    if pg_terminate(registry, pg):
        families.append(pg)
        timings[pg.name] = time.perf_counter() - start
    start = time.perf_counter()
    tally = fuzz(db, registry, args.fuzz_examples)
    fuzz_seconds = time.perf_counter() - start

    print(f"{'fault family':48} {'cases':>6} {'lost':>5} {'dup':>5} {'cursor!':>7} {'secs':>7}")
    for f in families:
        print(
            f"{f.name:48} {f.cases:6d} {f.lost:5d} {f.duplicated:5d} "
            f"{f.cursor_mismatches:7d} {timings[f.name]:7.1f}"
        )
    cases = sum(f.cases for f in families)
    lost = sum(f.lost for f in families)
    dup = sum(f.duplicated for f in families)
    print(f"{'total':48} {cases:6d} {lost:5d} {dup:5d}")
    if not os.environ.get("TRUSTWATCH_TEST_POSTGRES_URL"):
        print("(PostgreSQL cases skipped: TRUSTWATCH_TEST_POSTGRES_URL is not set)")
    print(
        f"fuzzing: {len(PLATFORMS)} platforms, 12 streams, {tally.pages} pages, "
        f"{tally.records} payloads: {tally.parsed} parsed, {tally.quarantined} quarantined "
        f"with a reason, {tally.skipped} skipped as not about a school; "
        f"{len(tally.unhandled)} unhandled exceptions ({fuzz_seconds:.0f}s)"
    )
    problems = [x for f in families for x in f.failures] + tally.unhandled
    for problem in problems:
        print(f"  problem: {problem}")
    print(f"items lost: {lost}, items duplicated: {dup} (target: 0 and 0)")
    return 1 if problems or lost or dup else 0


if __name__ == "__main__":
    sys.exit(main())
