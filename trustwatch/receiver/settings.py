"""The receiver's settings: app secrets from Airflow Connections or the environment,
limits with safe defaults.

Each platform's secrets come from its own Airflow connection when one is defined, else
from the environment, value by value:

- Facebook: connection `trustwatch_facebook_webhook`, password = the app secret, extra
  `verify_token`; else TRUSTWATCH_FACEBOOK_APP_SECRET / TRUSTWATCH_FACEBOOK_VERIFY_TOKEN.
- X: connection `trustwatch_x_webhook`, password = the consumer secret; else
  TRUSTWATCH_X_CONSUMER_SECRET.

Not `trustwatch_facebook` / `trustwatch_x`: their passwords are the hourly connectors'
page token and bearer token. The connection is looked up the way Airflow itself does
outside a task (`airflow.sdk.BaseHook.get_connection`): an `AIRFLOW_CONN_<ID>`
variable (URI or JSON), then any secrets backend configured under `[secrets]` (Vault,
AWS Secrets Manager...), so a deployer can keep them out of the receiver's environment.
The connection wins over the environment: a deployer who moved a secret into a backend
must not be overridden by a stale variable left behind.

Secrets are `SecretStr` (never in a repr) and are registered with the log redactor when
read, so a library that logs a header cannot leak them; where each came from is logged
by source name only. A platform whose secret is not set is switched off: its endpoints
answer 404, rather than accepting unsigned posts.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.secrets import register_secret

log = logging.getLogger(__name__)

FACEBOOK_CONN_ID = "trustwatch_facebook_webhook"
X_CONN_ID = "trustwatch_x_webhook"
# (conn_id) -> an object with .password / .extra_dejson, or None when not defined.
ConnectionLookup = Callable[[str], Any]
# conn_id -> {setting: "password" or the extra's key}
CONNECTION_FIELDS = {
    FACEBOOK_CONN_ID: {"facebook_app_secret": "password", "facebook_verify_token": "verify_token"},
    X_CONN_ID: {"x_consumer_secret": "password"},
}


class ReceiverSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRUSTWATCH_", extra="ignore")

    facebook_app_secret: SecretStr | None = Field(None, description="signs Facebook deliveries")
    facebook_verify_token: SecretStr | None = Field(
        None, description="the token typed into the app's webhook settings"
    )
    x_consumer_secret: SecretStr | None = Field(None, description="signs X deliveries and CRCs")
    webhook_max_bytes: int = Field(1_048_576, ge=1024, description="larger bodies get 413")
    webhook_max_age_seconds: int = Field(
        3600, ge=60, description="events older than this are refused as stale"
    )
    webhook_max_skew_seconds: int = Field(
        300, ge=0, description="events dated further ahead than this are refused"
    )
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="where notices go")
    inbound_channel: str = Field("trustwatch.inbound", description="the Redis pub/sub channel")

    def model_post_init(self, _context: object) -> None:
        for secret in (
            self.facebook_app_secret,
            self.facebook_verify_token,
            self.x_consumer_secret,
        ):
            if secret is not None:
                register_secret(secret.get_secret_value())

    @classmethod
    def resolve(
        cls, lookup: ConnectionLookup | None = None, **overrides: Any
    ) -> tuple[ReceiverSettings, dict[str, str]]:
        """Settings with each secret from its Airflow connection, else the environment.

        Returns the settings and, per secret, where it came from ("connection <id>",
        "environment" or "unset"): names only, for the start-up log.
        """
        if lookup is None:
            from connectors.credentials import airflow_connection

            lookup = airflow_connection
        base = cls(**overrides)
        found: dict[str, str | None] = {}
        sources: dict[str, str] = {}
        for conn_id, fields in CONNECTION_FIELDS.items():
            with _logging_kept():
                conn = lookup(conn_id)
            extra = _extra(conn) if conn is not None else {}
            for name, where in fields.items():
                value = getattr(conn, "password", None) if where == "password" else extra.get(where)
                if value:
                    found[name] = str(value)
                    sources[name] = f"connection {conn_id}"
                else:
                    sources[name] = "environment" if getattr(base, name) is not None else "unset"
        for value in found.values():
            register_secret(value)
        settings = base.model_copy(update={k: SecretStr(v) for k, v in found.items() if v})
        for name, source in sources.items():
            log.info("receiver secret %s: from %s", name, source)
        return settings, sources


@contextlib.contextmanager
def _logging_kept() -> Iterator[None]:
    """The first Airflow import configures logging for the whole process (its own root
    handlers and level); the receiver keeps its own (uvicorn's, or a test's)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _extra(conn: Any) -> dict[str, Any]:
    extra = getattr(conn, "extra_dejson", None)
    return extra if isinstance(extra, dict) else {}
