"""Platform credentials: Airflow Connections inside an Airflow task, else the environment.

- X: Airflow connection `trustwatch_x` (password = bearer token), else
  `TRUSTWATCH_X_BEARER_TOKEN`.
- Reddit: connection `trustwatch_reddit` (login = client id, password = client secret,
  extra `user_agent`, `username`, `password`), else `TRUSTWATCH_REDDIT_CLIENT_ID`,
  `TRUSTWATCH_REDDIT_CLIENT_SECRET`, `TRUSTWATCH_REDDIT_USER_AGENT`, and for a script
  app (the school's own inbox) `TRUSTWATCH_REDDIT_USERNAME` + `TRUSTWATCH_REDDIT_PASSWORD`.
- Facebook: the account's `token_env` (connection id: that name lower-cased), else
  `TRUSTWATCH_FACEBOOK_PAGE_TOKEN` (connection `trustwatch_facebook`, password = token).

Every value found is registered with `connectors.secrets`, so it is scrubbed from logs and
errors; `SecretStr` keeps it out of reprs. A missing value raises `CredentialsError`
naming what to set, never a value.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from connectors.secrets import register_secret
from trustwatch.errors import CredentialsError
from trustwatch.registry import Account

# (conn_id) -> object with .login/.password/.extra, or None when not defined.
ConnectionLookup = Callable[[str], Any]


def in_airflow_task(env: Mapping[str, str] | None = None) -> bool:
    """True inside a running Airflow task (it exports AIRFLOW_CTX_* to the environment)."""
    return bool((env if env is not None else os.environ).get("AIRFLOW_CTX_DAG_ID"))


def airflow_connection(conn_id: str) -> Any:
    """The Airflow Connection, looked up at call time through the task SDK; None if absent."""
    try:
        from airflow.sdk import BaseHook
    except ImportError:  # pragma: no cover - airflow is a dependency, but stay usable
        return None
    try:
        return BaseHook.get_connection(conn_id)
    except Exception:  # AirflowNotFoundException and transport errors alike
        return None


@dataclass(frozen=True)
class Source:
    env: Mapping[str, str]
    lookup: ConnectionLookup | None

    @classmethod
    def default(cls) -> Source:
        env = os.environ
        return cls(env=env, lookup=airflow_connection if in_airflow_task(env) else None)

    def connection(self, conn_id: str) -> Any:
        return self.lookup(conn_id) if self.lookup else None


def _secret(value: str | None) -> SecretStr | None:
    if not value:
        return None
    register_secret(value)
    return SecretStr(value)


def _extra(conn: Any) -> dict[str, Any]:
    extra = getattr(conn, "extra_dejson", None)
    if isinstance(extra, dict):
        return extra
    raw = getattr(conn, "extra", None)
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


def _missing(what: str, names: list[str], conn_id: str) -> CredentialsError:
    return CredentialsError(
        f"{what} is not configured. Fix: set {' and '.join(names)} in the environment, or "
        f"define the Airflow connection '{conn_id}' when running under Airflow."
    )


@dataclass(frozen=True)
class XCredentials:
    bearer_token: SecretStr


def x_credentials(source: Source | None = None) -> XCredentials:
    source = source or Source.default()
    conn = source.connection("trustwatch_x")
    token = _secret(getattr(conn, "password", None)) or _secret(
        source.env.get("TRUSTWATCH_X_BEARER_TOKEN")
    )
    if token is None:
        raise _missing("The X bearer token", ["TRUSTWATCH_X_BEARER_TOKEN"], "trustwatch_x")
    return XCredentials(bearer_token=token)


@dataclass(frozen=True)
class RedditCredentials:
    client_id: str
    client_secret: SecretStr
    user_agent: str
    username: str | None = None
    password: SecretStr | None = None

    @property
    def is_script_app(self) -> bool:
        return bool(self.username and self.password)


def reddit_credentials(source: Source | None = None) -> RedditCredentials:
    source = source or Source.default()
    conn = source.connection("trustwatch_reddit")
    extra = _extra(conn) if conn is not None else {}
    env = source.env
    client_id = getattr(conn, "login", None) or env.get("TRUSTWATCH_REDDIT_CLIENT_ID")
    secret = _secret(getattr(conn, "password", None)) or _secret(
        env.get("TRUSTWATCH_REDDIT_CLIENT_SECRET")
    )
    user_agent = extra.get("user_agent") or env.get("TRUSTWATCH_REDDIT_USER_AGENT")
    missing = [
        name
        for name, value in (
            ("TRUSTWATCH_REDDIT_CLIENT_ID", client_id),
            ("TRUSTWATCH_REDDIT_CLIENT_SECRET", secret),
            ("TRUSTWATCH_REDDIT_USER_AGENT", user_agent),
        )
        if not value
    ]
    if missing:
        raise _missing("Reddit API access", missing, "trustwatch_reddit")
    register_secret(client_id)
    username = extra.get("username") or env.get("TRUSTWATCH_REDDIT_USERNAME")
    password = _secret(extra.get("password") or env.get("TRUSTWATCH_REDDIT_PASSWORD"))
    assert client_id is not None and secret is not None and user_agent is not None
    return RedditCredentials(client_id, secret, user_agent, username, password)


@dataclass(frozen=True)
class FacebookCredentials:
    page_token: SecretStr


def facebook_credentials(account: Account, source: Source | None = None) -> FacebookCredentials:
    source = source or Source.default()
    names = [n for n in (account.token_env, "TRUSTWATCH_FACEBOOK_PAGE_TOKEN") if n]
    for name in names:
        shared = name == "TRUSTWATCH_FACEBOOK_PAGE_TOKEN"
        conn_id = "trustwatch_facebook" if shared else name.lower()
        conn = source.connection(conn_id)
        token = _secret(getattr(conn, "password", None)) or _secret(source.env.get(name))
        if token is not None:
            return FacebookCredentials(page_token=token)
    raise CredentialsError(
        f"No page token for Facebook page @{account.handle}. Fix: set "
        f"{' or '.join(names)} in the environment (or the Airflow connection "
        f"'{(account.token_env or 'trustwatch_facebook').lower()}' under Airflow)."
    )
