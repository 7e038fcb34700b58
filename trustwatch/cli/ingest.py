"""`trustwatch connectors check` and `trustwatch ingest`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from trustwatch.cli.context import AppContext, pass_app
from trustwatch.errors import UserError

PLATFORM_CHOICE = click.Choice(["x", "reddit", "facebook"])


def _as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UserError(
            f"--as-of {value!r} is not an ISO date-time. Fix: write it like "
            "2026-11-09T14:00:00+00:00."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _source(name: str, as_of: dt.datetime | None) -> Any:
    from trustwatch.ingest import LiveSource, ReplaySource

    if name == "replay":
        return ReplaySource(as_of=as_of)
    if as_of is not None:
        raise UserError("--as-of only applies to --source replay (live reads the real clock).")
    return LiveSource()


@click.group("connectors")
def connectors() -> None:
    """Platform connectors (X, Reddit, Facebook) and their credentials."""


@connectors.command("check")
@click.option("--source", type=click.Choice(["live", "replay"]), default="live", show_default=True)
@click.option("--platform", type=PLATFORM_CHOICE, default=None, help="Only this platform.")
@pass_app
def connectors_check(app: AppContext, source: str, platform: str | None) -> int:
    """One line per configured account: do its credentials work, and if not, why."""
    from connectors.base import RetryPolicy
    from trustwatch.ingest import plan_partitions

    registry = app.registry
    src = _source(source, None)
    retry = RetryPolicy(max_tries=2, max_wait_seconds=5)
    failures = 0
    seen: set[tuple[str, str]] = set()
    checked_platforms: set[str] = set()
    planned = plan_partitions(registry, platform=platform)
    # One line per account; a platform only searched (no account) gets one line too.
    targets = [p for p in planned if p.partition.account_id] + [
        p for p in planned if not p.partition.account_id
    ]
    for plan in targets:
        partition = plan.partition
        name = partition.platform.value
        ident = partition.account_id or "search"
        if (name, ident) in seen or (ident == "search" and name in checked_platforms):
            continue
        seen.add((name, ident))
        checked_platforms.add(name)
        what = (
            f"{name} @{partition.handle} ({partition.school_key})"
            if partition.account_id
            else f"{name} searches (app credentials)"
        )
        try:
            api = src.api_for(partition, registry)
            stream = plan.stream_cls(api, _bare_context(partition))
            target = partition.handle if name == "reddit" else partition.account_id
            status = retry.call(lambda a=api, t=target: a.check(t), stream.classify_error)
            click.echo(f"ok    {what}: {status}")
        except Exception as exc:  # every failure becomes one line, never a traceback
            from connectors.secrets import redact

            failures += 1
            click.echo(f"FAIL  {what}: {redact(exc)}")
    return 1 if failures else 0


def _bare_context(partition: Any) -> Any:
    from connectors.base import StreamContext

    return StreamContext(partition=partition, run_started_at=dt.datetime.now(dt.UTC))


@click.command("ingest")
@click.option("--platform", type=PLATFORM_CHOICE, default=None, help="Only this platform.")
@click.option(
    "--account", "account", default=None, help="Only this school key, handle or subreddit."
)
@click.option("--source", type=click.Choice(["live", "replay"]), default="live", show_default=True)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Replay only: the simulated clock (ISO 8601); items created later stay invisible.",
)
@click.option(
    "--max-reads",
    type=click.IntRange(min=0),
    default=None,
    help="Cap on X posts read in this run (0 or more).",
)
@pass_app
def ingest(
    app: AppContext,
    platform: str | None,
    account: str | None,
    source: str,
    as_of: str | None,
    max_reads: int | None,
) -> int:
    """Fetch new posts, comments and mentions past each bookmark and load the warehouse."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from trustwatch.db.engine import session_scope
    from trustwatch.db.migrate import first_run_lock, upgrade
    from trustwatch.ingest import default_read_caps, plan_partitions, run_ingest
    from trustwatch.quality.batch import SUITE
    from trustwatch.quality.gate import make_gate
    from trustwatch.quality.runner import SuiteOutcome, merge_outcomes
    from trustwatch.quality.store import record_outcome
    from trustwatch.settings import get_settings
    from trustwatch.warehouse.registry_sync import sync_registry

    registry = app.registry
    src = _source(source, _as_of(as_of))
    planned = plan_partitions(registry, platform=platform, account=account)
    if not planned:
        raise UserError(
            f"nothing to ingest for --platform {platform} --account {account}: no configured "
            "account, search or subreddit matches. Fix: check the registry or the filters."
        )
    caps = default_read_caps()
    if max_reads is not None:
        caps["x"] = max_reads
    with first_run_lock(app.engine):
        upgrade(app.engine)
        with session_scope(app.engine) as session:
            sync_registry(session, registry)
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[read]} read"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("ingesting", total=len(planned), read=0)
        state = {"read": 0, "current": 0}

        def started(plan: Any) -> None:
            state["current"] = 0
            progress.update(task, description=plan.label)

        def paged(result: Any) -> None:
            progress.update(task, read=state["read"] + result.read)

        # The same pre-load data checks as the ingest DAG: a record that fails one (a post
        # dated 2099) is quarantined with the check's reason instead of loading.
        clock = src.as_of or dt.datetime.now(dt.UTC)
        outcomes: list[SuiteOutcome] = []

        def done(result: Any) -> None:
            state["read"] += result.read
            progress.update(task, advance=1, read=state["read"])
            if outcomes:
                result.quarantined += sum(o.rows_failed for o in outcomes)
                with session_scope(app.engine) as session:
                    merged = merge_outcomes(SUITE, outcomes)
                    interval = (clock, clock)
                    record_outcome(session, merged, target=result.partition, interval=interval)
                outcomes.clear()

        summary = run_ingest(
            app.engine,
            registry,
            source=src,
            pseudonym_secret=get_settings().pseudonym_key(),
            partitions=planned,
            read_caps=caps,
            now=clock,
            gate=make_gate(registry, clock, outcomes, engine=app.engine),
            on_partition_start=started,
            on_page=paged,
            on_partition_done=done,
        )
    table = Table(
        title=f"ingest ({summary.source}, as of {summary.run_started_at:%Y-%m-%d %H:%M} UTC)"
    )
    for column in ("partition", "stream", "read", "new", "updated", "unchanged", "quarantined"):
        table.add_column(column, justify="left" if column in ("partition", "stream") else "right")
    table.add_column("status")
    for r in summary.results:
        status = "ok" if r.ok else f"error: {r.error}"
        if r.ok and r.budget_exhausted:
            status = "ok (read cap reached; resumes next run)"
        table.add_row(
            r.partition,
            r.stream,
            str(r.read),
            str(r.inserted),
            str(r.updated),
            str(r.unchanged),
            str(r.quarantined),
            status,
        )
    Console(width=160).print(table)
    click.echo(
        f"{summary.total('read')} read, {summary.total('inserted')} new, "
        f"{summary.total('updated')} updated, {summary.total('quarantined')} quarantined, "
        f"{sum(1 for r in summary.results if not r.ok)} failed partition(s)"
    )
    if any(r.needs_fix for r in summary.results):
        return 2  # a missing or refused credential: the message above says what to set
    return 0 if summary.ok else 1


COMMANDS = [connectors, ingest]
