"""What a notification says: severity, school, type, times and a link into the app.

A sent message is out of reach of retention and erasure, so by default no message
carries post text, a handle or a name: the reader follows the link into the review app.
Only if the registry sets `notifications.email_excerpts` may an alert *email* (never a
webhook, never a safeguarding alert) quote a short excerpt with @mentions and links
removed; the caller decides, per channel, by passing `excerpt=True`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from trustwatch.display import platform_name
from trustwatch.notify.pending import AlertView
from trustwatch.personal_data.redaction import redact

EXCERPT_CHARS = 200


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def alert_link(app_base_url: str, alert_id: int) -> str:
    return f"{app_base_url.rstrip('/')}/alerts/{alert_id}"


def _when(moment: dt.datetime, timezone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(timezone)):%a %d %b %Y %H:%M}"


def _where(alert: AlertView) -> str:
    return alert.school_name or "no school (trust-wide)"


def immediate(alert: AlertView, *, app_base_url: str, timezone: str, excerpt: bool = False) -> Text:
    """The message for one critical or high alert; `excerpt` only for an allowed email."""
    link = alert_link(app_base_url, alert.alert_id)
    kind = alert.alert_type.replace("_", " ")
    subject = (
        f"[trustwatch] {alert.severity.upper()} {kind} alert: {_where(alert)} (#{alert.alert_id})"
    )
    lines = [
        f"A {alert.severity} {kind} alert was raised for {_where(alert)}.",
        f"Item: a {platform_name(alert.platform)} {alert.kind.replace('_', ' ')} "
        f"posted {_when(alert.item_created_at, timezone)}.",
        f"Alert raised: {_when(alert.created_at, timezone)}.",
        "",
        f"Open it in trustwatch: {link}",
    ]
    if alert.is_safeguarding:
        lines += ["", "This is a safeguarding alert: the post is shown only in trustwatch."]
    elif excerpt and alert.text:
        lines += ["", f"Excerpt (mentions and links removed): {redact(alert.text, EXCERPT_CHARS)}"]
    return Text(subject=subject, body="\n".join(lines) + "\n")


def digest(
    alerts: Sequence[AlertView], *, scope: str, app_base_url: str, timezone: str, now: dt.datetime
) -> Text:
    """A daily list of lower-severity alerts: one line and a link each, no post text."""
    plural = "s" if len(alerts) != 1 else ""
    subject = f"[trustwatch] Daily digest for {scope}: {len(alerts)} alert{plural}"
    lines = [f"Alerts for {scope} not yet announced, as of {_when(now, timezone)}:", ""]
    for alert in alerts:
        lines.append(
            f"- #{alert.alert_id} {alert.severity} {alert.alert_type.replace('_', ' ')}, "
            f"{_where(alert)}, {platform_name(alert.platform)} {alert.kind.replace('_', ' ')}, "
            f"raised {_when(alert.created_at, timezone)}: "
            f"{alert_link(app_base_url, alert.alert_id)}"
        )
    lines += ["", "Post text is shown only in trustwatch."]
    return Text(subject=subject, body="\n".join(lines) + "\n")


def email(text: Text, *, sender: str, recipients: Sequence[str]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = text.subject
    message.set_content(text.body)
    return message
