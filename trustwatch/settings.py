"""Process-wide settings: one source of truth for where things live.

Everything comes from the environment (prefix ``TRUSTWATCH_``) so that Airflow workers,
the CLI and the web app agree without passing paths around.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = PROJECT_ROOT / "config" / "trust.example.yaml"


AIRFLOW_PSEUDONYM_VARIABLE = "trustwatch_pseudonym_secret"


def _airflow_variable(name: str) -> str | None:
    """An Airflow Variable, but only inside a running Airflow task.

    Checked via `sys.modules` so the CLI and tests never pay for importing Airflow; a
    worker running a task has already imported it. Airflow masks Variables whose name
    contains "secret" in its task logs.
    """
    if "airflow.sdk" not in sys.modules:
        return None
    from airflow.sdk import Variable, get_current_context

    try:
        get_current_context()
    except RuntimeError:
        return None
    value = Variable.get(name, default=None)
    return str(value) if value else None


class Settings(BaseSettings):
    """Deployment settings; secrets are `SecretStr` so they never print by accident."""

    model_config = SettingsConfigDict(env_prefix="TRUSTWATCH_", extra="ignore")

    environment: str = Field("development", description="development, test or production")
    var_dir: Path = Field(PROJECT_ROOT / "var", description="embedded warehouse, keys, reports")
    config: Path = Field(EXAMPLE_CONFIG, description="the trust registry YAML")
    warehouse_url: str | None = Field(None, description="any SQLAlchemy URL; default SQLite")
    pseudonym_secret: SecretStr | None = Field(None, description="HMAC key for author pseudonyms")
    web_cookie_secure: bool | None = Field(
        None, description="Secure session cookies; None: on in production (served over HTTPS)"
    )
    web_session_idle_minutes: int = Field(60, ge=5, description="sign out after this idle time")
    web_session_max_hours: int = Field(12, ge=1, description="sign out after this long anyway")
    web_throttle_free_failures: int = Field(
        5, ge=1, description="wrong passwords for one email from one address before backoff"
    )
    web_throttle_base_seconds: int = Field(
        30, ge=1, description="first wait once an email and address pair is throttled"
    )
    web_throttle_max_minutes: int = Field(
        15, ge=1, description="the longest wait the doubling backoff reaches"
    )
    web_client_window_minutes: int = Field(
        15, ge=1, description="window for the per-address limit on failed sign-ins"
    )
    web_client_failures_per_window: int = Field(
        20, ge=1, description="failed sign-ins from one address (any email) per window"
    )
    web_trusted_proxies: str = Field(
        "127.0.0.1,::1",
        description="comma-separated addresses or networks whose X-Forwarded-For is believed",
    )

    @field_validator("warehouse_url")
    @classmethod
    def _warehouse_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return warehouse_url(value.strip())

    @property
    def resolved_warehouse_url(self) -> str:
        if self.warehouse_url:
            return self.warehouse_url
        return f"sqlite:///{self.var_dir / 'warehouse.sqlite'}"

    @property
    def cookie_secure(self) -> bool:
        """Unset means: production is served over HTTPS, development on plain localhost."""
        if self.web_cookie_secure is not None:
            return self.web_cookie_secure
        return self.environment == "production"

    def pseudonym_key(self) -> bytes:
        """The HMAC key; in development a random key is created once under var/.

        Production must set TRUSTWATCH_PSEUDONYM_SECRET: a key that silently changed
        would split every author into two pseudonyms.
        """
        if self.pseudonym_secret is not None:
            return self.pseudonym_secret.get_secret_value().encode()
        from_airflow = _airflow_variable(AIRFLOW_PSEUDONYM_VARIABLE)
        if from_airflow:
            return from_airflow.encode()
        if self.environment == "production":
            from trustwatch.errors import ConfigError

            raise ConfigError(
                "TRUSTWATCH_PSEUDONYM_SECRET is not set: production needs a stable secret "
                "for author pseudonyms. Fix: set it (at least 32 random characters) in the "
                "environment or the Airflow Variable trustwatch_pseudonym_secret."
            )
        from trustwatch.personal_data.pseudonyms import read_or_create_key_file

        return read_or_create_key_file(self.var_dir / "pseudonym.key")


def warehouse_url(url: str) -> str:
    """A SQLAlchemy URL the installed drivers can open.

    A plain `postgresql://` URL makes SQLAlchemy pick its default PostgreSQL driver,
    which (with psycopg 3 absent) fails on first connect; it is mapped to psycopg2, the
    driver trustwatch installs. Anything that is not a URL raises ValueError with the fix.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(
            "it is not a database URL. Fix: use a SQLAlchemy URL such as "
            "postgresql+psycopg2://user@host:5432/trustwatch or "
            "sqlite:////path/to/warehouse.sqlite (or unset it for the embedded SQLite)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(
            f"trustwatch supports SQLite and PostgreSQL, not {backend[:40]!r}. Fix: use a URL "
            "starting postgresql+psycopg2:// or sqlite:///"
        )
    if parsed.drivername == "postgresql":
        import importlib.util

        if importlib.util.find_spec("psycopg") is None:
            parsed = parsed.set(drivername="postgresql+psycopg2")
            return parsed.render_as_string(hide_password=False)
    return url


def settings_error(exc: ValidationError) -> str:
    """One paragraph naming each bad variable, what is wrong and the fix; never the value
    of a secret (pydantic's own message quotes the input)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        name = f"TRUSTWATCH_{field.upper()}"
        known = Settings.model_fields.get(field)
        hint = f" ({known.description})" if known is not None and known.description else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        if "Fix:" not in message:
            message += f". Fix: set {name} to a valid value, or unset it for the default"
        problems.append(f"{name}{hint}: {message}")
    return "a setting in the environment is invalid: " + "; ".join(problems) + "."


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        from trustwatch.errors import ConfigError

        raise ConfigError(settings_error(exc)) from None
