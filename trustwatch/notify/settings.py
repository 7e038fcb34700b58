"""SMTP settings from the environment; the password is a SecretStr and is never printed."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SmtpSettings(BaseSettings):
    """TRUSTWATCH_SMTP_HOST, _PORT, _USER, _PASSWORD, _SECURITY, _FROM, _TIMEOUT."""

    model_config = SettingsConfigDict(env_prefix="TRUSTWATCH_SMTP_", extra="ignore")

    host: str | None = Field(None, description="SMTP server; unset means email is not configured")
    port: int = Field(587, ge=1, le=65535)
    user: str | None = None
    password: SecretStr | None = None
    security: str = Field("starttls", pattern=r"^(none|starttls|ssl)$")
    sender: str | None = Field(None, alias="TRUSTWATCH_SMTP_FROM")
    timeout: float = Field(20.0, gt=0)
