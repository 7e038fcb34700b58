"""`trustwatch receive`: the webhook receiver under uvicorn, in its own process."""

from __future__ import annotations

import click
from sqlalchemy import inspect

from trustwatch.cli.context import AppContext, pass_app
from trustwatch.errors import ConfigError, UserError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8100, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Proxies trusted for X-Forwarded-For/Proto (the TLS terminator in front).",
)
@pass_app
def receive(app: AppContext, host: str, port: int, forwarded_allow_ips: str) -> None:
    """Receive Facebook Pages and X Account Activity webhooks into inbound_events.

    Secrets come from the Airflow connections trustwatch_facebook_webhook (password = app
    secret, extra verify_token) and trustwatch_x_webhook (password = consumer secret),
    as AIRFLOW_CONN_<ID> variables or a configured secrets backend; else from the
    environment: TRUSTWATCH_FACEBOOK_APP_SECRET and TRUSTWATCH_FACEBOOK_VERIFY_TOKEN for
    Facebook, TRUSTWATCH_X_CONSUMER_SECRET for X. A platform without its secret is
    switched off (its endpoints answer 404).
    """
    import uvicorn
    from pydantic import ValidationError

    from trustwatch.cli.serve import _log_config
    from trustwatch.receiver.app import create_app
    from trustwatch.receiver.settings import ReceiverSettings

    try:
        settings, _ = ReceiverSettings.resolve()
    except ValidationError as exc:
        field = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise ConfigError(
            f"receiver setting {field!r} from the environment is invalid "
            f"({exc.errors()[0]['msg']}). Fix: set TRUSTWATCH_{field.upper()} to a valid value."
        ) from None
    if settings.facebook_app_secret is None and settings.x_consumer_secret is None:
        raise ConfigError(
            "no webhook secret is set, so the receiver would refuse everything. Fix: set "
            "TRUSTWATCH_FACEBOOK_APP_SECRET (and TRUSTWATCH_FACEBOOK_VERIFY_TOKEN) and/or "
            "TRUSTWATCH_X_CONSUMER_SECRET, or define the Airflow connection "
            "trustwatch_facebook_webhook and/or trustwatch_x_webhook."
        )
    if settings.facebook_app_secret is not None and settings.facebook_verify_token is None:
        raise ConfigError(
            "the Facebook app secret is set but its verify token is not. Fix: set "
            "TRUSTWATCH_FACEBOOK_VERIFY_TOKEN (or the extra verify_token of the connection "
            "trustwatch_facebook_webhook) to the token typed into the app's webhook settings."
        )
    if "inbound_events" not in inspect(app.engine).get_table_names():
        raise UserError(
            "the warehouse has no inbound_events table. Fix: run `trustwatch init` "
            "(it applies the migrations)."
        )
    uvicorn.run(
        create_app(app.engine, settings=settings),
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        log_level="info",
        log_config=_log_config(),
    )


COMMANDS = [receive]
