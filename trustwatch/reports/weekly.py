"""`send_weekly`: the week's trust report, emailed once to the configured recipients.

The ledger (subject `report:<period>:trust`) makes a retried DAG run a no-op once the
email went through; a failed send is retried with backoff and reported, not recorded
as sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from trustwatch.db.engine import session_scope
from trustwatch.errors import ConfigError
from trustwatch.notify import ledger
from trustwatch.notify.messages import Text, email
from trustwatch.notify.retry import Outcome, send_with_retry
from trustwatch.notify.transport import Transport
from trustwatch.registry import Registry
from trustwatch.reports.build import build_report
from trustwatch.reports.periods import PeriodKind, period_for
from trustwatch.reports.render import ReportFiles

CHANNEL = "email"
STATE = "delivered"


@dataclass(frozen=True)
class WeeklyResult:
    subject: str
    recipients: list[str]
    files: ReportFiles | None
    outcome: Outcome | None  # None: already sent earlier

    @property
    def ok(self) -> bool:
        return self.outcome is None or self.outcome.ok


def send_weekly(
    engine: Engine,
    registry: Registry,
    *,
    now: dt.datetime,
    transport: Transport,
    out_dir: Path | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> WeeklyResult:
    """Build last week's trust-wide report and email the PDF to `report_recipients`."""
    recipients = [str(r) for r in registry.notifications.report_recipients]
    if not recipients:
        raise ConfigError(
            "notifications.report_recipients is empty, so the weekly report has nobody to "
            "go to. Fix: list at least one address in the registry."
        )
    period = period_for(PeriodKind.WEEK, now, registry.trust.timezone)
    subject = f"report:{period.slug}:trust"
    with session_scope(engine) as session:
        if ledger.is_sent(session, subject, STATE, CHANNEL):
            return WeeklyResult(subject, recipients, files=None, outcome=None)
    files = build_report(engine, registry, period=period, now=now, out_dir=out_dir, embed=embed)
    text = Text(
        subject=f"[trustwatch] {registry.trust.name}: weekly report, {period.label}",
        body=(
            f"The weekly social media report for {registry.trust.name} ({period.label}) is "
            f"attached as a PDF ({files.pages} pages).\n\nSafeguarding figures in it are "
            "counts only; the items themselves are in trustwatch.\n"
        ),
    )
    message = email(text, sender=transport.sender, recipients=recipients)
    message.add_attachment(
        files.pdf.read_bytes(), maintype="application", subtype="pdf", filename=files.pdf.name
    )
    outcome = send_with_retry(
        lambda: transport.email.send(message),
        max_attempts=transport.max_attempts,
        backoff_seconds=transport.backoff_seconds,
        sleep=transport.sleep,
    )
    with session_scope(engine) as session:
        ledger.record(
            session, subject=subject, state=STATE, channel=CHANNEL, outcome=outcome, now=now
        )
    return WeeklyResult(subject, recipients, files=files, outcome=outcome)
