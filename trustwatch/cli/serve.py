"""`trustwatch serve`: the review web app under uvicorn."""

from __future__ import annotations

import copy
from typing import Any

import click
from sqlalchemy import inspect

from trustwatch.cli.context import AppContext, pass_app
from trustwatch.errors import UserError


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, with a plain access-line formatter.

    The CLI's secret filter pre-formats every record (args become None, so a secret in an
    argument is redacted too); uvicorn's AccessFormatter would unpack those args and fail.
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["access"] = {
        "()": "logging.Formatter",
        "fmt": "%(levelname)s:     %(message)s",
    }
    return config


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@pass_app
def serve(app: AppContext, host: str, port: int) -> None:
    """Serve the review app for safeguarding leads, data staff and administrators.

    X-Forwarded-For is believed only from TRUSTWATCH_WEB_TRUSTED_PROXIES (default
    127.0.0.1,::1): the app reads it itself, so uvicorn's proxy headers stay off.
    """
    import uvicorn

    from trustwatch.web.main import create_app

    app.registry  # noqa: B018  validate the registry before binding a port
    if "web_users" not in inspect(app.engine).get_table_names():
        raise UserError(
            "the warehouse is not migrated for the web app (no web_users table). "
            "Fix: run `trustwatch init`, then `trustwatch users add --role admin ...`."
        )
    web = create_app(engine=app.engine)
    uvicorn.run(
        web,
        host=host,
        port=port,
        proxy_headers=False,
        server_header=False,
        log_level="info",
        log_config=_log_config(),
    )


COMMANDS = [serve]
