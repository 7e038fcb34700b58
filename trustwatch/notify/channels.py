"""The two ways a message leaves trustwatch: SMTP email and an incoming webhook.

Each `send` either returns or raises `SendError` saying whether trying again could help.
Error texts are built here, never passed through: a webhook URL is itself a secret (its
path is the token), and SMTP errors must not echo credentials.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import requests

from trustwatch.notify.settings import SmtpSettings


class SendError(Exception):
    """A send that did not go through; `retriable` says whether a retry could succeed."""

    def __init__(self, message: str, *, retriable: bool) -> None:
        super().__init__(message)
        self.retriable = retriable


@dataclass(frozen=True)
class EmailChannel:
    settings: SmtpSettings

    name = "email"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.host is not None
        if s.security == "ssl":
            return smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        if not str(message.get("To", "")).strip():
            raise SendError(
                "no recipient address: set the school's safeguarding_lead.email or "
                "notifications.trust_lead.email in the registry",
                retriable=False,
            )
        try:
            with self._connect() as client:
                if s.user:
                    password = s.password.get_secret_value() if s.password else ""
                    client.login(s.user, password)
                client.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(
                f"SMTP login refused for user {s.user!r} (code {exc.smtp_code})", retriable=False
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError(
                f"SMTP refused every recipient ({len(exc.recipients)})", retriable=False
            ) from None
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise SendError(
                f"SMTP server answered {exc.smtp_code}", retriable=not permanent
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(
                f"SMTP {s.host}:{s.port} unreachable ({exc.__class__.__name__})", retriable=True
            ) from None


def webhook_style(url: str) -> str:
    """ "teams" for Microsoft endpoints (Workflows, Office 365 connectors), else "slack"."""
    host = (urlsplit(url).hostname or "").lower()
    microsoft = ("webhook.office.com", "logic.azure.com", "powerplatform.com", "powerautomate.com")
    return "teams" if host.endswith(microsoft) else "slack"


def webhook_payload(style: str, subject: str, body: str) -> dict[str, Any]:
    """Slack takes `text` (mrkdwn); Teams Workflows take a message with an Adaptive Card."""
    if style == "slack":
        return {"text": f"*{subject}*\n{body}"}
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": subject, "weight": "Bolder", "wrap": True},
            *(
                {"type": "TextBlock", "text": line, "wrap": True}
                for line in body.splitlines()
                if line
            ),
        ],
    }
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return {"type": "message", "attachments": [attachment]}


@dataclass(frozen=True)
class WebhookChannel:
    """A Slack or Microsoft Teams incoming webhook (`style` "slack" or "teams")."""

    url: str
    style: str = "slack"
    timeout: float = 10.0

    name = "webhook"

    def send(self, subject: str, body: str) -> None:
        payload = webhook_payload(self.style, subject, body)
        try:
            response = requests.post(self.url, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SendError(
                f"webhook unreachable ({exc.__class__.__name__})", retriable=True
            ) from None
        if response.status_code >= 400:
            retriable = response.status_code == 429 or response.status_code >= 500
            raise SendError(f"webhook answered HTTP {response.status_code}", retriable=retriable)
