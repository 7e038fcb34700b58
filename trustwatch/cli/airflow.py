"""`trustwatch airflow start|stop|status`: the native deployment on this machine.

Airflow's scheduler, dag-processor, triggerer and api-server against PostgreSQL metadata;
with `--celery`, the CeleryExecutor (Redis broker, PostgreSQL result backend) and
`--workers` Celery workers. The logic lives in `trustwatch.deploy.native`.
"""

from __future__ import annotations

from pathlib import Path

import click

from trustwatch.cli.context import AppContext, pass_app
from trustwatch.errors import UserError


def _home(home: Path | None) -> Path:
    from trustwatch.settings import get_settings

    return (home or get_settings().var_dir / "airflow").resolve()


home_option = click.option(
    "--home",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="AIRFLOW_HOME of the deployment. Default: $TRUSTWATCH_VAR_DIR/airflow (var/airflow).",
)


@click.group("airflow")
def airflow() -> None:
    """Run Airflow natively on this machine (no Docker)."""


@airflow.command("start")
@home_option
@click.option(
    "--metadata-url",
    default=lambda: _default_metadata_url(),
    show_default="$AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, else postgres@127.0.0.1:5432/airflow",
    help="Airflow's metadata database (PostgreSQL); created if missing.",
)
@click.option("--celery", is_flag=True, help="CeleryExecutor with Redis; default LocalExecutor.")
@click.option("--workers", type=click.IntRange(1, 16), default=None, help="Celery workers [1].")
@click.option("--concurrency", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Tasks at once per Celery worker.")  # fmt: skip
@click.option("--broker-url", default="redis://127.0.0.1:6379/0", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True,
              help="The api-server (UI, REST and execution API) port, on 127.0.0.1.")  # fmt: skip
@pass_app
def start(
    app: AppContext,
    home: Path | None,
    metadata_url: str,
    celery: bool,
    workers: int | None,
    concurrency: int,
    broker_url: str,
    port: int,
) -> None:
    """Start scheduler, dag-processor, triggerer, api-server (and Celery workers)."""
    from trustwatch.deploy import native

    app.registry  # noqa: B018 - a broken registry fails here, not in the first task
    if workers and not celery:
        raise UserError("--workers sets Celery workers. Fix: add --celery, or drop --workers.")
    dep = native.Deployment(
        home=_home(home),
        metadata_url=metadata_url,
        executor=native.CELERY if celery else native.LOCAL,
        workers=(workers or 1) if celery else 0,
        worker_concurrency=concurrency,
        broker_url=broker_url,
        api_port=port,
    )
    try:
        native.start(dep, echo=click.echo)
    except native.DeployError as exc:
        raise UserError(str(exc)) from None
    click.echo("")
    for line in native.sign_in_help(dep):
        click.echo(line)


@airflow.command("stop")
@home_option
@click.option("--grace", type=float, default=30.0, show_default=True,
              help="Seconds to wait after SIGTERM before SIGKILL.")  # fmt: skip
def stop(home: Path | None, grace: float) -> None:
    """Stop every process `trustwatch airflow start` started under this home."""
    from trustwatch.deploy import native

    dep = native.Deployment.load(_home(home))
    if not native.stop(dep, grace_seconds=grace, echo=click.echo):
        click.echo(f"nothing running under {dep.home}")


@airflow.command("status")
@home_option
def status(home: Path | None) -> int:
    """Which processes of the deployment are running (exit 1 if any is down)."""
    from trustwatch.deploy import native

    dep = native.Deployment.load(_home(home))
    alive = {r.name: r.pid for r in native.running(dep)}
    for name in dep.processes():
        state = f"running (pid {alive[name]})" if name in alive else "DOWN"
        click.echo(f"{name:<14} {state}")
    click.echo(f"{dep.executor}, api-server {dep.api_url}, logs {dep.process_log_dir}")
    return 0 if len(alive) == len(dep.processes()) else 1


def _default_metadata_url() -> str:
    import os

    from trustwatch.deploy.native import DEFAULT_METADATA_URL

    return os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", DEFAULT_METADATA_URL)


COMMANDS = [airflow]
