"""Break the ingest on purpose and measure what survives.

Shared by the fault tests and `benchmarks/faults.py`: run the real ingest
(`trustwatch.ingest.run_ingest` with the live connectors) against a fake platform
(`tests.faults.platforms`), inject a fault (a failing or killed commit, a terminated
database backend, a failing page), run again without it, and compare the warehouse with
a clean reference run: items lost, items duplicated, cursor consistent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import responses
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from connectors.base import RetryPolicy
from tests.faults.platforms import FakePlatform
from tests.faults.warehouses import migrated_sqlite
from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.models import IngestState, Item, Quarantine
from trustwatch.ingest import IngestSummary, LiveSource, plan_partitions, run_ingest
from trustwatch.registry import Registry

PSEUDONYM_SECRET = b"fault-tests-pseudonym-secret"
__all__ = ["migrated_sqlite"]  # re-exported: callers import it from here too


class InjectedCrash(RuntimeError):
    """The process 'died' at this commit (raised in-process instead of a real kill)."""


def no_wait_retry(max_tries: int = 3) -> RetryPolicy:
    return RetryPolicy(max_tries=max_tries, sleep=lambda _seconds: None)


def copy_sqlite(template: Path, target: Path) -> str:
    """A fresh warehouse in milliseconds: copy the migrated template file."""
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def run_once(
    engine: Engine,
    registry: Registry,
    fake: FakePlatform,
    *,
    now: dt.datetime,
    retry: RetryPolicy | None = None,
) -> IngestSummary:
    """One real ingest run of the fake's partition, with HTTP served by the fake."""
    plans = [p for p in plan_partitions(registry) if p.label == fake.partition]
    assert plans, f"no planned partition {fake.partition}"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.register(mock)
        return run_ingest(
            engine,
            registry,
            source=LiveSource(),
            pseudonym_secret=PSEUDONYM_SECRET,
            partitions=plans,
            retry=retry or no_wait_retry(),
            now=now,
            read_caps={"x": None, "reddit": None, "facebook": None},
        )


@dataclass(frozen=True)
class WarehouseState:
    ids: Counter[str]
    cursor: dict[str, Any] | None
    last_error: str | None
    quarantined: int

    def lost(self, expected: set[str]) -> int:
        return len(expected - set(self.ids))

    def duplicated(self) -> int:
        return sum(count - 1 for count in self.ids.values() if count > 1)


def state(engine: Engine, fake: FakePlatform) -> WarehouseState:
    with session_scope(engine) as session:
        ids = Counter(
            session.scalars(select(Item.external_id).where(Item.platform == fake.platform)).all()
        )
        row = session.scalar(select(IngestState).where(IngestState.partition == fake.partition))
        quarantined = session.scalar(select(func.count()).select_from(Quarantine)) or 0
    return WarehouseState(
        ids=ids,
        cursor=dict(row.cursor) if row is not None else None,
        last_error=row.last_error if row is not None else None,
        quarantined=int(quarantined),
    )


@contextlib.contextmanager
def at_commit(number: int | None, action: Callable[[Session], None]) -> Iterator[list[int]]:
    """Run `action` just before the `number`-th session commit in this process (1-based).

    That is the moment between fetch and commit: the page has been fetched, parsed and
    flushed, the transaction is open, nothing is durable yet. With `number=None` nothing
    is injected and the yielded list ends up holding the count of commits.
    """
    seen = [0]

    def before_commit(session: Session) -> None:
        seen[0] += 1
        if number is not None and seen[0] == number:
            action(session)

    event.listen(Session, "before_commit", before_commit)
    try:
        yield seen
    finally:
        event.remove(Session, "before_commit", before_commit)


def crash(_session: Session) -> None:
    raise InjectedCrash("injected crash between fetch and commit")


def sigkill(_session: Session) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def terminate_backend(admin_url: str) -> Callable[[Session], None]:
    """The warehouse drops this session's connection (pg_terminate_backend from another)."""

    def action(session: Session) -> None:
        raw = session.connection().connection.dbapi_connection
        pid = raw.get_backend_pid()  # type: ignore[union-attr]
        admin = make_engine(admin_url)
        try:
            with admin.connect() as conn:
                from sqlalchemy import text

                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                conn.commit()
        finally:
            admin.dispose()

    return action


@dataclass(frozen=True)
class CaseResult:
    """One fault case: what the faulty run reported and what the warehouse ended with."""

    name: str
    first_run_ok: bool | None
    first_run_error: str | None
    lost: int
    duplicated: int
    cursor_consistent: bool
    error_cleared: bool


def converged(
    engine: Engine, fake: FakePlatform, reference: WarehouseState, name: str, first: Any
) -> CaseResult:
    after = state(engine, fake)
    return CaseResult(
        name=name,
        first_run_ok=getattr(first, "ok", None),
        first_run_error=_first_error(first),
        lost=after.lost(set(reference.ids)),
        duplicated=after.duplicated(),
        cursor_consistent=after.cursor == reference.cursor,
        error_cleared=after.last_error is None,
    )


def _first_error(first: Any) -> str | None:
    if isinstance(first, BaseException):
        return f"{type(first).__name__}: {first}"
    if isinstance(first, IngestSummary):
        errors = [r.error for r in first.results if r.error]
        return errors[0] if errors else None
    return None


# --- the whole replay ingest, through the CLI ------------------------------------------


@dataclass(frozen=True)
class ReplayState:
    """Everything a replay ingest leaves behind that a rerun must reproduce exactly."""

    items: dict[tuple[str, str], str]  # (platform, external_id) -> content hash
    rows: int
    cursors: dict[tuple[str, str], dict[str, Any]]

    def lost(self, reference: ReplayState) -> int:
        return len(set(reference.items) - set(self.items))

    def duplicated(self) -> int:
        return self.rows - len(self.items)


def replay_state(engine: Engine) -> ReplayState:
    with session_scope(engine) as session:
        rows = session.execute(select(Item.platform, Item.external_id, Item.content_hash)).all()
        cursors = {
            (r.stream, r.partition): dict(r.cursor or {})
            for r in session.scalars(select(IngestState))
        }
    return ReplayState(
        items={(r.platform, r.external_id): r.content_hash for r in rows},
        rows=len(rows),
        cursors=cursors,
    )


def replay_ingest_cli(url: str) -> int:
    """`trustwatch ingest --source replay` in this process against `url`."""
    from trustwatch.cli import main
    from trustwatch.db.engine import get_engine
    from trustwatch.settings import get_settings

    os.environ["TRUSTWATCH_WAREHOUSE_URL"] = url
    get_settings.cache_clear()
    get_engine.cache_clear()
    return main(["ingest", "--source", "replay"])
