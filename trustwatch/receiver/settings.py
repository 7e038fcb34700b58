"""The receiver's settings: app secrets from the environment, limits with safe defaults.

Secrets are `SecretStr` (never in a repr) and are registered with the log redactor when
read, so a library that logs a header cannot leak them. A platform whose secret is not
set is switched off: its endpoints answer 404, rather than accepting unsigned posts.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.secrets import register_secret


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
