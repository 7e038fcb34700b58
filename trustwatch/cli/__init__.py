"""The `trustwatch` command line.

`main(args)` is both the console-script entry point and the in-process API for tests:
it returns an exit code instead of exiting. A `UserError` (bad config, missing
credential) prints its one-paragraph message and returns 2, with no traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from trustwatch.cli.context import AppContext
from trustwatch.errors import UserError
from trustwatch.logging_setup import install_secret_filter, redact
from trustwatch.settings import EXAMPLE_CONFIG

# Each module exposes COMMANDS, a list of click commands or groups. Heavy imports (torch,
# airflow) stay inside the command functions so `trustwatch --help` is instant.
COMMAND_MODULES = [
    "trustwatch.cli.core",
    "trustwatch.cli.ingest",
    "trustwatch.cli.report",
    "trustwatch.cli.notify",
    "trustwatch.cli.users",
    "trustwatch.cli.serve",
    "trustwatch.cli.receive",
    "trustwatch.cli.checks",
    "trustwatch.cli.privacy",
    "trustwatch.cli.sla",
    "trustwatch.cli.model",
    "trustwatch.cli.airflow",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=lambda: os.environ.get("TRUSTWATCH_CONFIG", str(EXAMPLE_CONFIG)),
    show_default="$TRUSTWATCH_CONFIG, else config/trust.example.yaml",
    help="The trust registry YAML.",
)
@click.version_option(package_name="trustwatch")
@click.pass_context
def cli(ctx: click.Context, config_path: Path) -> None:
    """trustwatch: monitor a school trust's social media for abuse, bullying and complaints,
    and hold every school account to the 24-hour response rule."""
    install_secret_filter()
    ctx.obj = AppContext(config_path=config_path)


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).COMMANDS:
        cli.add_command(_command)


def warehouse_unreachable(exc: OperationalError) -> str:
    """One line for a refused or dropped warehouse connection (the driver's first line,
    redacted) and what to do. The transaction in progress was rolled back: rerun."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    if detail.startswith("no such table"):  # SQLite: a warehouse never initialised
        return redact(
            f"the warehouse has no trustwatch tables ({detail}). Fix: run trustwatch init."
        )
    return redact(
        f"the warehouse refused or dropped the connection ({detail}); the transaction in "
        "progress was rolled back. Fix: check TRUSTWATCH_WAREHOUSE_URL and that the "
        "database server is up, then run the command again."
    )


def main(args: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 success, 2 user error, 1 other failure)."""
    try:
        result = cli.main(
            args=list(args) if args is not None else None,
            prog_name="trustwatch",
            standalone_mode=False,
        )
    except UserError as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)
        return exc.exit_code
    except OperationalError as exc:
        click.echo(f"error: {warehouse_unreachable(exc)}", err=True)
        return 1
    except ProgrammingError as exc:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else ""
        if "does not exist" not in detail:
            raise
        click.echo(
            redact(
                f"error: the warehouse has no trustwatch tables ({detail}). "
                "Fix: run trustwatch init."
            ),
            err=True,
        )
        return 1
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
