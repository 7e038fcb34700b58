"""`trustwatch checks`: what the data checks found, for data staff.

Lists stored suite outcomes from `validation_results` (newest first); `--run` validates
the warehouse now (as the warehouse_checks DAG does) and stores the outcome first.
The first line says whether alert email can go out: a missing SMTP host is a startup
check here (exit 1, with the fix), not something an hourly run discovers.
"""

from __future__ import annotations

import datetime as dt

import click
from sqlalchemy.orm import Session

from trustwatch.cli.context import AppContext, pass_app


@click.command("checks")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--failed", "failed_only", is_flag=True, help="Only failed suite runs.")
@click.option("--suite", default=None, help="Only this suite (e.g. items_batch).")
@click.option("--run", "run_now", is_flag=True, help="Run the warehouse suites now first.")
@click.option("--full", is_flag=True, help="With --run: check every row, as the daily run does.")
@pass_app
def checks(
    app: AppContext, limit: int, failed_only: bool, suite: str | None, run_now: bool, full: bool
) -> int:
    """List data-check results (Great Expectations suites) stored in the warehouse."""
    from trustwatch.db.engine import session_scope
    from trustwatch.notify.transport import describe_email
    from trustwatch.quality.store import recent_results

    channel = describe_email(app.registry)
    click.echo(f"notification channel: {channel}")
    exit_code = 1 if channel.startswith("MISSING") else 0
    if run_now:
        from trustwatch.pipeline.checks_step import (
            DataCheckBreach,
            run_full_warehouse_checks,
            run_warehouse_checks,
        )
        from trustwatch.pipeline.runtime import Window

        now = dt.datetime.now(dt.UTC)
        app.registry  # noqa: B018 - validate the registry before touching the warehouse
        try:
            run = run_full_warehouse_checks if full else run_warehouse_checks
            summary = run(Window(start=now, end=now))
            click.echo(f"warehouse checks passed: {summary['suites']} suites")
        except DataCheckBreach as exc:
            click.echo(str(exc), err=True)
            exit_code = 1
    with session_scope(app.engine) as session:
        _print_quarantine(session)
        rows = recent_results(session, limit=limit, failed_only=failed_only, suite=suite)
        if not rows:
            click.echo("no data-check results stored yet")
            return exit_code
        click.echo(f"{'interval end (UTC)':<17}  {'suite':<26} {'target':<28} result  rows  failed")
        for row in rows:
            verdict = "pass" if row.success else "FAIL"
            click.echo(
                f"{row.data_interval_end:%Y-%m-%d %H:%M}  {row.suite_name:<26} "
                f"{row.target[:28]:<28} {verdict:<6} {row.rows_checked:>5} {row.rows_failed:>6}"
            )
            for failure in row.failures:
                click.echo(
                    f"    {failure['check']}: {failure['reason']} "
                    f"({failure['unexpected_count']} row(s))"
                )
    return exit_code


def _print_quarantine(session: Session) -> None:
    """Records set aside at ingest (unparseable, unstorable, or failing a batch check)."""
    from trustwatch.warehouse.quarantine import counts

    found = counts(session)
    total = sum(c.records for c in found)
    if not found:
        click.echo("quarantine: empty")
        return
    click.echo(f"quarantine: {total} record(s) set aside at ingest (see the quarantine table)")
    for c in found:
        click.echo(
            f"    {c.stream:<24} {c.check_name[:48]:<48} {c.records:>6}  "
            f"last {c.last_at:%Y-%m-%d %H:%M}"
        )
    click.echo("")


COMMANDS = [checks]
