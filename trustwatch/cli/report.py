"""`trustwatch report`: the trust's trend report for a week, month or term."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from trustwatch.cli.context import AppContext, pass_app
from trustwatch.cli.options import now_option, resolve_now


@click.command()
@click.option(
    "--period",
    type=click.Choice(["week", "month", "term"]),
    default="week",
    show_default=True,
    help="Last complete week (Mon-Sun) or month, or the current school term to date.",
)
@click.option("--school", "school", metavar="KEY", default=None, help="One school's report.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for the HTML and PDF. Default: $TRUSTWATCH_VAR_DIR/reports.",
)
@now_option
@pass_app
def report(
    app: AppContext, period: str, school: str | None, out_dir: Path | None, now: dt.datetime | None
) -> None:
    """Write the HTML and PDF trend report from the warehouse."""
    from trustwatch.reports import build_report

    files = build_report(
        app.engine,
        app.registry,
        period=period,
        school=school,
        now=resolve_now(now),
        out_dir=out_dir,
    )
    click.echo(f"wrote {files.html}")
    click.echo(f"wrote {files.pdf} ({files.pages} pages)")


COMMANDS = [report]
