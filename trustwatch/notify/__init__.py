"""Alert notifications by email and webhook, and the daily digest.

Entry points for the CLI and the `notify` DAG: `dispatch(session, registry, now=...,
transport=...)` for critical and high alerts, `send_daily_digest(...)` for the rest,
with `Transport.from_env(registry)` building the channels from the environment.
"""

from __future__ import annotations

from trustwatch.notify.dispatch import DispatchSummary, dispatch, send_daily_digest
from trustwatch.notify.transport import Transport

__all__ = ["DispatchSummary", "Transport", "dispatch", "send_daily_digest"]
