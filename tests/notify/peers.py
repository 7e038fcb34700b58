"""Real peers on 127.0.0.1 for the notification tests: what they record and refuse.

An aiosmtpd handler and an http.server handler that keep what they received and can be
told to refuse the next N deliveries (SMTP 451/554, or an HTTP status), so retries and
failures are exercised over a real socket. The fixtures that start them are in conftest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword

# Re-exported: the notify and inbound tests take their free ports from here.
from trustwatch.receiver.launch import free_port as free_port

SMTP_USER = "trustwatch"
SMTP_PASSWORD = "s3cret-smtp-pass-never-logged"


@dataclass
class SmtpRecorder:
    """aiosmtpd handler: keeps each accepted message; refuses while `refuse` > 0."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[list[str]] = field(default_factory=list)
    refuse: int = 0
    refusal: str = "451 4.3.0 try again later"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return self.refusal
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 OK"


def smtp_authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login.decode() == SMTP_USER
        and data.password.decode() == SMTP_PASSWORD
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class WebhookRecorder:
    url: str
    bodies: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in order, then 200


class Sleeps(list[float]):
    """Stands in for time.sleep: records each backoff instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
