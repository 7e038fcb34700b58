"""`trustwatch notify`: announce alerts now, or send the daily digest or weekly report."""

from __future__ import annotations

import datetime as dt

import click

from trustwatch.cli.context import AppContext, pass_app
from trustwatch.cli.options import now_option, resolve_now


@click.command()
@click.option("--digest", is_flag=True, help="Send the daily digest of medium and low alerts.")
@click.option("--weekly-report", is_flag=True, help="Email last week's report to the recipients.")
@now_option
@pass_app
def notify(app: AppContext, digest: bool, weekly_report: bool, now: dt.datetime | None) -> int:
    """Email (and webhook) critical and high alerts not yet announced; exit 1 if a send failed."""
    from trustwatch.db.engine import session_scope
    from trustwatch.notify import Transport, dispatch, send_daily_digest

    registry = app.registry
    moment = resolve_now(now)
    transport = Transport.from_env(registry)
    if weekly_report:
        from trustwatch.reports import send_weekly

        result = send_weekly(app.engine, registry, now=moment, transport=transport)
        if result.outcome is None:
            click.echo(f"{result.subject}: already sent")
        elif result.outcome.ok:
            click.echo(f"{result.subject}: sent to {len(result.recipients)} recipient(s)")
        else:
            click.echo(
                f"{result.subject}: failed after {result.outcome.attempts} attempt(s): "
                f"{result.outcome.error}"
            )
        return 0 if result.ok else 1
    with session_scope(app.engine) as session:
        run = send_daily_digest if digest else dispatch
        summary = run(session, registry, now=moment, transport=transport)
    for line in summary.lines():
        click.echo(line)
    return 0 if summary.ok else 1


COMMANDS = [notify]
