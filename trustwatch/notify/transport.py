"""The configured ways out (email, webhook) and how hard to try each one.

Built from the registry and the environment in one place, so the DAG, the CLI and the
tests all deliver the same way; tests pass a `sleep` that does not wait.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from trustwatch.errors import ConfigError
from trustwatch.logging_setup import install_secret_filter, register_secret
from trustwatch.notify.channels import EmailChannel, WebhookChannel, webhook_style
from trustwatch.notify.settings import SmtpSettings
from trustwatch.registry import Registry


@dataclass
class Transport:
    email: EmailChannel
    sender: str
    webhook: WebhookChannel | None = None
    max_attempts: int = 3
    backoff_seconds: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls, registry: Registry) -> Transport:
        """Email from TRUSTWATCH_SMTP_*; the webhook from the variable the registry names.

        The webhook's payload follows its host (Slack, or Microsoft Teams Workflows with an
        Adaptive Card); TRUSTWATCH_WEBHOOK_STYLE=slack|teams overrides, e.g. for a proxy.

        No SMTP host is a configuration error (alerts must reach someone). A webhook named
        in the registry but unset is reported as a problem and skipped, so a broken
        webhook cannot hold back the email to a safeguarding lead.
        """
        smtp = SmtpSettings()
        problem = email_problem(registry, smtp)
        if problem:
            raise ConfigError(problem)
        sender = smtp.sender or registry.notifications.smtp_from
        transport = cls(email=EmailChannel(smtp), sender=str(sender))
        variable = registry.notifications.webhook_url_env
        if variable:
            url = os.environ.get(variable, "").strip()
            if url:
                # A webhook URL is a credential (anyone holding it can post): keep it, and
                # its path (which urllib3 logs at DEBUG without the host), out of logs.
                install_secret_filter()
                register_secret(url, urlsplit(url).path, urlsplit(url).query)
                style = os.environ.get("TRUSTWATCH_WEBHOOK_STYLE", "").strip().lower()
                if style not in {"", "slack", "teams"}:
                    raise ConfigError(
                        f"TRUSTWATCH_WEBHOOK_STYLE is {style!r}. Fix: set slack or teams, or "
                        "unset it to choose from the webhook's host."
                    )
                transport.webhook = WebhookChannel(url, style=style or webhook_style(url))
            else:
                transport.problems.append(
                    f"notifications.webhook_url_env names {variable}, which is not set: "
                    "webhook messages were skipped"
                )
        return transport


def email_problem(registry: Registry, smtp: SmtpSettings | None = None) -> str | None:
    """Why alert email cannot be sent, with the fix; None when it can.

    Checked at startup (`trustwatch checks`, the notify DAGs' first task) so a missing
    channel shows up before an alert needs it, not as a failing hourly run.
    """
    smtp = smtp or SmtpSettings()
    if not smtp.host:
        return (
            "TRUSTWATCH_SMTP_HOST is not set, so no alert email can be sent. Fix: set "
            "TRUSTWATCH_SMTP_HOST (and _PORT, _USER, _PASSWORD, _SECURITY as needed) in the "
            "environment of the Airflow workers."
        )
    if not (smtp.sender or registry.notifications.smtp_from):
        return (
            "no sender address: set notifications.smtp_from in the registry or "
            "TRUSTWATCH_SMTP_FROM in the environment."
        )
    return None


def describe_email(registry: Registry) -> str:
    """One line for operators: where alert email goes out (never the password)."""
    smtp = SmtpSettings()
    problem = email_problem(registry, smtp)
    if problem:
        return f"MISSING: {problem}"
    sender = smtp.sender or registry.notifications.smtp_from
    return f"email via {smtp.host}:{smtp.port} ({smtp.security}) from {sender}"
