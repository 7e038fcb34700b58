"""Steps of the notify, notify_digest, report_weekly and retention_daily DAGs.

Each wraps one function another part of trustwatch owns (`trustwatch.notify`,
`trustwatch.reports`, `trustwatch.personal_data.retention`) with the run's clock and a session, and
turns a partial failure (a send that did not go) into a task failure so Airflow retries
it; the notifications ledger makes the retry send only what did not go.
"""

from __future__ import annotations

import logging
from typing import Any

from trustwatch.db.engine import session_scope
from trustwatch.errors import ConfigError
from trustwatch.pipeline.runtime import Window, engine, registry

log = logging.getLogger(__name__)


class NotificationsFailed(RuntimeError):
    """Some messages were not sent; they stay unannounced and the retry sends them."""


def check_channels(window: Window, *, digest: bool = False) -> dict[str, Any]:
    """The notify DAGs' first task: is there a way out, and is it needed now?

    No channel with nothing to send is a warning, not a failure (a quiet hour on a
    deployment whose SMTP is still being set up). No channel with alerts waiting fails
    here, with the fix in the message: the alerts stay unannounced until it is set.
    """
    from trustwatch.notify.dispatch import unannounced
    from trustwatch.notify.transport import email_problem

    problem = email_problem(registry())
    with session_scope(engine()) as session:
        waiting, _ = unannounced(session, digest=digest, now=window.end)
    if problem and waiting:
        raise ConfigError(f"{waiting} alert(s) are waiting to be emailed, but {problem}")
    if problem:
        log.warning("no alert waiting, but alert email is not configured: %s", problem)
    return {"as_of": window.end.isoformat(), "waiting": waiting, "email_ok": problem is None}


def _dispatch(window: Window, *, digest: bool) -> dict[str, Any]:
    from trustwatch.notify import Transport, dispatch, send_daily_digest
    from trustwatch.notify.dispatch import unannounced

    reg = registry()
    with session_scope(engine()) as session:
        waiting, already = unannounced(session, digest=digest, now=window.end)
    if not waiting:  # nothing to send needs no channel
        return {"as_of": window.end.isoformat(), "sent": 0, "already_sent": already,
                "failed": 0, "problems": 0}  # fmt: skip
    transport = Transport.from_env(reg)
    run = send_daily_digest if digest else dispatch
    with session_scope(engine()) as session:
        summary = run(session, reg, now=window.end, transport=transport)
    counts = {
        "as_of": window.end.isoformat(),
        "sent": len(summary.sent),
        "already_sent": summary.already_sent,
        "failed": len(summary.failed),
        "problems": len(summary.problems),
    }
    if not summary.ok:
        raise NotificationsFailed("; ".join(summary.lines()))
    return counts


def notify_alerts(window: Window) -> dict[str, Any]:
    """Announce every critical or high alert not yet announced at its severity."""
    return _dispatch(window, digest=False)


def notify_digest(window: Window) -> dict[str, Any]:
    """The daily digest of medium and low alerts."""
    return _dispatch(window, digest=True)


def send_weekly_report(window: Window) -> dict[str, Any]:
    """Build last week's report (HTML + PDF) and email it once to the recipients."""
    from trustwatch.notify import Transport
    from trustwatch.reports import send_weekly

    reg = registry()
    result = send_weekly(engine(), reg, now=window.end, transport=Transport.from_env(reg))
    if not result.ok:
        raise NotificationsFailed(f"{result.subject}: {result.outcome.error}")
    return {
        "subject": result.subject,
        "already_sent": result.outcome is None,
        "recipients": len(result.recipients),
    }


def enforce_retention(window: Window) -> dict[str, Any]:
    """Purge texts, raw payloads and identities past the registry's retention periods."""
    from trustwatch.personal_data.retention import enforce

    with session_scope(engine()) as session:
        summary = enforce(session, registry(), now=window.end)
    return {"as_of": window.end.isoformat(), **summary.as_dict()}
