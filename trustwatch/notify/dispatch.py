"""Announce alerts: critical and high at once, the rest in one daily digest per school.

For every (alert, severity, channel) the ledger is checked before sending and written
after, so a second run sends nothing new, an escalation is announced again, and a failed
send stays unannounced (and is tried again on the next run) while being reported.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from itertools import groupby

from sqlalchemy.orm import Session

from trustwatch.notify import ledger, messages
from trustwatch.notify.pending import AlertView, open_alerts
from trustwatch.notify.retry import Outcome, send_with_retry
from trustwatch.notify.transport import Transport
from trustwatch.registry import Registry

log = logging.getLogger(__name__)

IMMEDIATE = ("critical", "high")
DIGEST = ("medium", "low")


@dataclass(frozen=True)
class Failure:
    subject: str
    channel: str
    attempts: int
    error: str


@dataclass
class DispatchSummary:
    """What a run did; `ok` is False if any send failed or a channel was misconfigured."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    already_sent: int = 0
    failed: list[Failure] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.problems

    def lines(self) -> list[str]:
        out = [
            f"sent {len(self.sent)}, already sent {self.already_sent}, failed {len(self.failed)}"
        ]
        out += [
            f"failed: {f.subject} via {f.channel} after {f.attempts} attempt(s): {f.error}"
            for f in self.failed
        ]
        out += [f"problem: {p}" for p in self.problems]
        return out


def recipients_for(alerts: Sequence[AlertView], registry: Registry) -> list[str]:
    """The schools' safeguarding leads, anyone the alert was routed to, and the trust lead.

    Routing may name people as "Name <address>"; each address appears once, however
    written, so nobody gets the same message twice.
    """
    found: list[str] = []
    for alert in alerts:
        found += [alert.lead_email] if alert.lead_email else []
        found += list(alert.routed_to)
    if registry.notifications.trust_lead.email:
        found.append(str(registry.notifications.trust_lead.email))
    unique: dict[str, str] = {}
    for entry in found:
        address = parseaddr(entry)[1].strip().lower()
        if "@" in address:
            unique.setdefault(address, address)
    return list(unique.values())


def _deliver(
    session: Session,
    transport: Transport,
    summary: DispatchSummary,
    *,
    alerts: Sequence[AlertView],
    channel: str,
    send: Callable[[], None],
    now: dt.datetime,
) -> None:
    """One message covering `alerts` on one channel, then one ledger row per alert."""
    outcome: Outcome = send_with_retry(
        send,
        max_attempts=transport.max_attempts,
        backoff_seconds=transport.backoff_seconds,
        sleep=transport.sleep,
    )
    for alert in alerts:
        subject = ledger.alert_subject(alert.alert_id)
        ledger.record(
            session, subject=subject, state=alert.severity, channel=channel,
            outcome=outcome, now=now, alert_id=alert.alert_id,
        )  # fmt: skip
        if outcome.ok:
            summary.sent.append((subject, channel))
            log.info("%s (%s) sent via %s", subject, alert.severity, channel)
        else:
            summary.failed.append(Failure(subject, channel, outcome.attempts, outcome.error or ""))
            log.warning(
                "%s (%s) NOT sent via %s after %d attempt(s): %s; it stays unannounced and "
                "is tried again on the next run",
                subject, alert.severity, channel, outcome.attempts, outcome.error,
            )  # fmt: skip


def _unsent(
    session: Session, alerts: Sequence[AlertView], channel: str, summary: DispatchSummary
) -> list[AlertView]:
    todo = []
    for alert in alerts:
        if ledger.is_sent(session, ledger.alert_subject(alert.alert_id), alert.severity, channel):
            summary.already_sent += 1
        else:
            todo.append(alert)
    return todo


def unannounced(session: Session, *, digest: bool, now: dt.datetime) -> tuple[int, int]:
    """(waiting, already sent): the open alerts a run at `now` would email, and those it
    would skip. Nothing waiting means no channel is needed. Reads only open alerts of the
    run's severities (a handful), never the whole table."""
    severities, channel = (DIGEST, "digest-email") if digest else (IMMEDIATE, "email")
    alerts = open_alerts(session, severities=severities, now=now)
    seen = DispatchSummary()
    return len(_unsent(session, alerts, channel, seen)), seen.already_sent


def dispatch(
    session: Session, registry: Registry, *, now: dt.datetime, transport: Transport
) -> DispatchSummary:
    """Send every critical or high alert not yet announced at its current severity.

    Webhook messages (Slack, Teams: third-party services) never carry post text; email
    carries a redacted excerpt only if the registry allows it (`messages`).
    """
    summary = DispatchSummary(problems=list(transport.problems))
    settings = registry.notifications
    alerts = open_alerts(session, severities=IMMEDIATE, now=now, with_text=settings.email_excerpts)
    for alert in _unsent(session, alerts, "email", summary):
        text = messages.immediate(
            alert,
            app_base_url=settings.app_base_url,
            timezone=registry.trust.timezone,
            excerpt=settings.email_excerpts,
        )
        email = messages.email(
            text, sender=transport.sender, recipients=recipients_for([alert], registry)
        )
        _deliver(session, transport, summary, alerts=[alert], channel="email",
                 send=lambda m=email: transport.email.send(m), now=now)  # fmt: skip
    if transport.webhook is not None:
        hook = transport.webhook
        for alert in _unsent(session, alerts, "webhook", summary):
            text = messages.immediate(
                alert, app_base_url=settings.app_base_url, timezone=registry.trust.timezone
            )
            _deliver(session, transport, summary, alerts=[alert], channel="webhook",
                     send=lambda t=text: hook.send(t.subject, t.body), now=now)  # fmt: skip
    return summary


def send_daily_digest(
    session: Session, registry: Registry, *, now: dt.datetime, transport: Transport
) -> DispatchSummary:
    """One email per school (to its lead and the trust lead) listing unannounced lower alerts.

    The webhook gets one trust-wide list. Each alert is marked per channel only when the
    message that carried it went through.
    """
    summary = DispatchSummary(problems=list(transport.problems))
    settings = registry.notifications
    tz = registry.trust.timezone
    alerts = open_alerts(session, severities=DIGEST, now=now)
    pending = _unsent(session, alerts, "digest-email", summary)
    by_school = groupby(
        sorted(pending, key=lambda a: a.school_key or ""), key=lambda a: a.school_key
    )
    for _key, group in by_school:
        batch = list(group)
        scope = batch[0].school_name or "trust-wide alerts"
        text = messages.digest(
            batch, scope=scope, app_base_url=settings.app_base_url, timezone=tz, now=now
        )
        email = messages.email(
            text, sender=transport.sender, recipients=recipients_for(batch, registry)
        )
        _deliver(session, transport, summary, alerts=batch, channel="digest-email",
                 send=lambda m=email: transport.email.send(m), now=now)  # fmt: skip
    if transport.webhook is not None:
        batch = _unsent(session, alerts, "digest-webhook", summary)
        if batch:
            hook = transport.webhook
            text = messages.digest(
                batch,
                scope=registry.trust.name,
                app_base_url=settings.app_base_url,
                timezone=tz,
                now=now,
            )
            _deliver(session, transport, summary, alerts=batch, channel="digest-webhook",
                     send=lambda t=text: hook.send(t.subject, t.body), now=now)  # fmt: skip
    return summary
