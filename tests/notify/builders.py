"""Alerts on real warehouse rows, and a transport that does not sleep, for notify tests."""

from __future__ import annotations

import datetime as dt

from reports.factories import FACTORY_SECRET, WarehouseFactory
from sqlalchemy.orm import Session

from notify.peers import Sleeps
from trustwatch.db.models import Alert
from trustwatch.notify import Transport
from trustwatch.registry import Registry

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
SAFEGUARDING_TEXT = "A child told me an adult keeps messaging her and asking to meet"
BULLYING_TEXT = "They keep filming one boy in the lunch queue, ask @realperson"


def make_alert(
    session: Session,
    *,
    alert_type: str,
    severity: str,
    text: str,
    school: str = "oakfield",
    flag_safeguarding: bool = False,
    status: str = "open",
    routed_to: list[str] | None = None,
) -> Alert:
    factory = WarehouseFactory(session, FACTORY_SECRET)
    item = factory.item(
        school_key=school, platform="facebook", text=text, created_at=NOW - dt.timedelta(hours=1),
        author_number=7,
    )  # fmt: skip
    scores = {alert_type: 0.93}
    if flag_safeguarding:
        scores["safeguarding"] = 0.81
    factory.scores(item, scores, version="v1", at=NOW - dt.timedelta(minutes=50))
    alert = factory.alert(
        item, alert_type=alert_type, severity=severity, status=status,
        created_at=NOW - dt.timedelta(minutes=45), routed_to=routed_to,
    )  # fmt: skip
    session.commit()
    return alert


def with_webhook(registry: Registry, env: str = "TW_HOOK") -> Registry:
    """The registry with its webhook URL read from environment variable `env`."""
    notifications = registry.notifications.model_copy(update={"webhook_url_env": env})
    return registry.model_copy(update={"notifications": notifications})


def transport_for(registry: Registry, sleeps: Sleeps) -> Transport:
    transport = Transport.from_env(registry)
    transport.sleep = sleeps
    return transport


def with_excerpts(registry: Registry) -> Registry:
    """The registry with `notifications.email_excerpts` on (off in the example)."""
    notifications = registry.notifications.model_copy(update={"email_excerpts": True})
    return registry.model_copy(update={"notifications": notifications})
