"""`trustwatch init` and `trustwatch registry check`."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import Progress

from trustwatch.cli.context import AppContext, pass_app
from trustwatch.db.engine import session_scope
from trustwatch.db.migrate import first_run_lock, upgrade
from trustwatch.warehouse.registry_sync import sync_registry
from trustwatch.warehouse.views import create_views


@click.command()
@pass_app
def init(app: AppContext) -> None:
    """Migrate the warehouse to the newest schema and sync the registry into it."""
    registry = app.registry  # validate before touching the warehouse
    console = Console(stderr=True)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("migrating warehouse", total=2)
        with first_run_lock(app.engine):  # a second init waits, then finds it all done
            upgrade(app.engine)
            create_views(app.engine)
            progress.update(task, advance=1, description="syncing registry")
            with session_scope(app.engine) as session:
                result = sync_registry(session, registry)
        progress.update(task, advance=1)
    url = app.engine.url.render_as_string(hide_password=True)
    click.echo(
        f"warehouse ready at {url}: {result.schools} schools, {result.accounts} accounts"
        + (f", {result.deactivated} deactivated" if result.deactivated else "")
    )


@click.group()
def registry() -> None:
    """Inspect the trust registry (config/trust.example.yaml is the template)."""


@registry.command("check")
@pass_app
def registry_check(app: AppContext) -> None:
    """Validate the registry and print the policy-governance warnings."""
    reg = app.registry
    n_accounts = sum(1 for _ in reg.accounts())
    click.echo(
        f"{app.config_path}: valid: trust '{reg.trust.name}', {len(reg.schools)} schools, "
        f"{n_accounts} accounts"
    )
    warnings = reg.governance_warnings()
    for warning in warnings:
        click.echo(f"warning: {warning}")
    if not warnings:
        click.echo("no governance warnings")


COMMANDS = [init, registry]
