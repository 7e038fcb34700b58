"""The daily digest: one email per school for medium and low alerts, links only, once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.builders import NOW, make_alert, transport_for, with_webhook
from notify.peers import Sleeps, SmtpRecorder, WebhookRecorder
from trustwatch.db.models import Notification
from trustwatch.notify import send_daily_digest
from trustwatch.registry import Registry


def test_digest_groups_lower_alerts_by_school_without_text(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    a = make_alert(session, alert_type="abuse", severity="medium", text="Useless clown of a head")
    b = make_alert(session, alert_type="complaint", severity="low", text="Parking chaos again")
    c = make_alert(
        session, alert_type="complaint", severity="low", text="Lunches cold", school="millbrook"
    )
    make_alert(session, alert_type="safeguarding", severity="critical", text="not in a digest")
    make_alert(session, alert_type="complaint", severity="low", text="closed", status="resolved")
    summary = send_daily_digest(
        session, registry, now=NOW, transport=transport_for(registry, sleeps)
    )
    assert summary.ok and len(summary.sent) == 3
    by_lead = {
        tuple(sorted(e)): m
        for e, m in zip(smtp_server.envelopes, smtp_server.messages, strict=True)
    }
    oakfield = by_lead[("dsl@oakfield.example.org", "safeguarding@riverbend.example.org")]
    millbrook = by_lead[("dsl@millbrook.example.org", "safeguarding@riverbend.example.org")]
    assert "2 alerts" in oakfield["Subject"] and "Oakfield" in oakfield["Subject"]
    body = oakfield.get_content()
    assert f"/alerts/{a.alert_id}" in body and f"/alerts/{b.alert_id}" in body
    assert f"/alerts/{c.alert_id}" in millbrook.get_content()
    for text in ("Useless clown", "Parking chaos", "Lunches cold", "not in a digest", "closed"):
        assert text not in body and text not in millbrook.get_content()


def test_digest_is_sent_once_and_a_failed_school_waits_for_the_next_run(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    make_alert(session, alert_type="abuse", severity="medium", text="one")
    make_alert(session, alert_type="abuse", severity="medium", text="two", school="harbourside")
    transport = transport_for(registry, sleeps)
    smtp_server.refuse = 3  # the first school's email fails all three attempts
    first = send_daily_digest(session, registry, now=NOW, transport=transport)
    assert len(first.failed) == 1 and len(first.sent) == 1
    statuses = session.scalars(select(Notification.status).order_by(Notification.alert_id)).all()
    assert sorted(statuses) == ["failed", "sent"]

    second = send_daily_digest(
        session, registry, now=NOW + dt.timedelta(days=1), transport=transport
    )
    assert second.ok and len(second.sent) == 1 and second.already_sent == 1
    third = send_daily_digest(
        session, registry, now=NOW + dt.timedelta(days=2), transport=transport
    )
    assert third.sent == [] and third.already_sent == 2
    assert len(smtp_server.messages) == 2


def test_digest_webhook_is_one_trust_wide_message(
    session: Session,
    registry: Registry,
    smtp_server: SmtpRecorder,
    webhook_server: WebhookRecorder,
    monkeypatch,
    sleeps: Sleeps,
) -> None:
    registry = with_webhook(registry)
    monkeypatch.setenv("TW_HOOK", webhook_server.url)
    make_alert(session, alert_type="abuse", severity="medium", text="one")
    make_alert(session, alert_type="complaint", severity="low", text="two", school="millbrook")
    summary = send_daily_digest(
        session, registry, now=NOW, transport=transport_for(registry, sleeps)
    )
    assert summary.ok
    [body] = webhook_server.bodies
    assert "Riverbend Learning Trust" in body["text"] and "2 alerts" in body["text"]
