"""Immediate alert notifications over real SMTP and HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.builders import (
    BULLYING_TEXT,
    NOW,
    SAFEGUARDING_TEXT,
    make_alert,
    transport_for,
    with_excerpts,
    with_webhook,
)
from notify.peers import SMTP_PASSWORD, Sleeps, SmtpRecorder, WebhookRecorder, free_port
from trustwatch.db.models import Notification
from trustwatch.notify import Transport, dispatch
from trustwatch.registry import Registry


def test_safeguarding_alert_goes_to_the_lead_with_a_link_and_no_text(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    alert = make_alert(
        session, alert_type="safeguarding", severity="critical", text=SAFEGUARDING_TEXT
    )
    summary = dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    assert summary.ok and summary.sent == [(f"alert:{alert.alert_id}", "email")]
    [message] = smtp_server.messages
    body = message.get_content()
    assert f"http://127.0.0.1:8000/alerts/{alert.alert_id}" in body
    assert "CRITICAL safeguarding" in message["Subject"]
    for fragment in ("adult keeps messaging", "meet", "parent_handle_7", "Invented Person"):
        assert fragment not in body and fragment not in message["Subject"]
    assert set(smtp_server.envelopes[0]) == {
        "dsl@oakfield.example.org",
        "safeguarding@riverbend.example.org",
    }


def test_by_default_no_alert_email_carries_post_text(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    alert = make_alert(
        session, alert_type="bullying", severity="high", text=BULLYING_TEXT, school="millbrook"
    )
    dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    body = smtp_server.messages[0].get_content()
    assert "filming" not in body and "realperson" not in body and "Excerpt" not in body
    assert "HIGH bullying" in smtp_server.messages[0]["Subject"] and "Millbrook" in body
    assert f"/alerts/{alert.alert_id}" in body


def test_with_excerpts_allowed_an_email_carries_a_redacted_excerpt_and_no_handle(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    registry = with_excerpts(registry)
    make_alert(
        session, alert_type="bullying", severity="high", text=BULLYING_TEXT, school="millbrook"
    )
    dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    body = smtp_server.messages[0].get_content()
    assert "They keep filming one boy" in body
    assert "@realperson" not in body and "parent_handle_7" not in body
    assert "dsl@millbrook.example.org" in smtp_server.envelopes[0]


def test_a_bullying_alert_on_a_safeguarding_item_carries_no_text(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    registry = with_excerpts(registry)
    make_alert(
        session, alert_type="bullying", severity="high", text=BULLYING_TEXT, flag_safeguarding=True
    )
    dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    assert "filming" not in smtp_server.messages[0].get_content()


def test_no_double_send_but_an_escalation_is_announced(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    alert = make_alert(session, alert_type="bullying", severity="high", text=BULLYING_TEXT)
    transport = transport_for(registry, sleeps)
    dispatch(session, registry, now=NOW, transport=transport)
    again = dispatch(session, registry, now=NOW + dt.timedelta(minutes=5), transport=transport)
    assert len(smtp_server.messages) == 1
    assert again.sent == [] and again.already_sent == 1

    alert.status = "acknowledged"  # a status change alone is not news
    session.commit()
    dispatch(session, registry, now=NOW + dt.timedelta(minutes=10), transport=transport)
    assert len(smtp_server.messages) == 1

    alert.severity = "critical"  # an escalation is
    session.commit()
    dispatch(session, registry, now=NOW + dt.timedelta(minutes=15), transport=transport)
    assert len(smtp_server.messages) == 2
    assert "CRITICAL" in smtp_server.messages[1]["Subject"]


def test_closed_and_lower_alerts_are_not_sent_at_once(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    make_alert(session, alert_type="hate", severity="high", text="x", status="dismissed")
    make_alert(session, alert_type="abuse", severity="medium", text="y")
    make_alert(session, alert_type="complaint", severity="low", text="z")
    summary = dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    assert summary.sent == [] and smtp_server.messages == []


def test_a_refused_send_is_retried_with_backoff(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    alert = make_alert(
        session, alert_type="safeguarding", severity="critical", text=SAFEGUARDING_TEXT
    )
    smtp_server.refuse = 2  # 451 twice, then accepted
    summary = dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    assert summary.ok and len(smtp_server.messages) == 1
    assert sleeps == [2.0, 4.0]
    row = session.scalars(select(Notification).where(Notification.alert_id == alert.alert_id)).one()
    assert (row.status, row.attempts, row.channel, row.state) == ("sent", 3, "email", "critical")


def test_a_failed_send_is_reported_never_marked_and_sent_on_the_next_run(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    alert = make_alert(
        session, alert_type="safeguarding", severity="critical", text=SAFEGUARDING_TEXT
    )
    smtp_server.refuse = 3  # every attempt of the first run
    transport = transport_for(registry, sleeps)
    first = dispatch(session, registry, now=NOW, transport=transport)
    assert not first.ok and first.sent == []
    [failure] = first.failed
    assert failure.attempts == 3 and "451" in failure.error
    row = session.scalars(select(Notification).where(Notification.alert_id == alert.alert_id)).one()
    assert row.status == "failed" and row.sent_at is None and "451" in (row.last_error or "")
    assert any("failed: alert:" in line for line in first.lines())

    second = dispatch(session, registry, now=NOW + dt.timedelta(minutes=5), transport=transport)
    assert second.ok and len(smtp_server.messages) == 1
    session.refresh(row)
    assert row.status == "sent" and row.attempts == 4 and row.last_error is None


def test_an_unreachable_server_is_retried_then_reported(
    session: Session, registry: Registry, monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps
) -> None:
    monkeypatch.setenv("TRUSTWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRUSTWATCH_SMTP_PORT", str(free_port()))  # nobody listens
    monkeypatch.setenv("TRUSTWATCH_SMTP_SECURITY", "none")
    make_alert(session, alert_type="safeguarding", severity="critical", text=SAFEGUARDING_TEXT)
    summary = dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    assert [f.attempts for f in summary.failed] == [3]
    assert "unreachable" in summary.failed[0].error and sleeps == [2.0, 4.0]


def test_wrong_smtp_password_fails_at_once_and_is_never_logged(
    session: Session,
    registry: Registry,
    smtp_server: SmtpRecorder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    sleeps: Sleeps,
) -> None:
    wrong = "wrong-password-also-secret"
    monkeypatch.setenv("TRUSTWATCH_SMTP_PASSWORD", wrong)
    make_alert(session, alert_type="safeguarding", severity="critical", text=SAFEGUARDING_TEXT)
    with caplog.at_level(logging.DEBUG):
        summary = dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    assert [f.attempts for f in summary.failed] == [1]  # a refused login is not retried
    assert sleeps == []
    printed = caplog.text + "\n".join(summary.lines()) + repr(Transport.from_env(registry))
    assert wrong not in printed and SMTP_PASSWORD not in printed
    assert "login refused" in summary.failed[0].error
    assert "NOT sent via email" in caplog.text  # the failure is reported in the log too


def test_webhook_gets_the_alert_and_retries_a_server_error(
    session: Session,
    registry: Registry,
    smtp_server: SmtpRecorder,
    webhook_server: WebhookRecorder,
    monkeypatch: pytest.MonkeyPatch,
    sleeps: Sleeps,
) -> None:
    registry = with_webhook(registry)
    monkeypatch.setenv("TW_HOOK", webhook_server.url)
    alert = make_alert(
        session, alert_type="safeguarding", severity="critical", text=SAFEGUARDING_TEXT
    )
    webhook_server.statuses = [503]
    summary = dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    assert summary.ok
    assert {channel for _, channel in summary.sent} == {"email", "webhook"}
    [body] = webhook_server.bodies
    assert f"/alerts/{alert.alert_id}" in body["text"] and "messaging" not in body["text"]
    assert sleeps == [2.0]
    dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    assert len(webhook_server.bodies) == 1  # not twice


def test_webhook_client_error_is_not_retried_and_hides_the_url(
    session: Session,
    registry: Registry,
    smtp_server: SmtpRecorder,
    webhook_server: WebhookRecorder,
    monkeypatch: pytest.MonkeyPatch,
    sleeps: Sleeps,
) -> None:
    registry = with_webhook(registry)
    monkeypatch.setenv("TW_HOOK", webhook_server.url)
    make_alert(session, alert_type="bullying", severity="high", text=BULLYING_TEXT)
    webhook_server.statuses = [404]
    summary = dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    [failure] = summary.failed
    assert failure.channel == "webhook" and failure.attempts == 1 and "404" in failure.error
    assert "SECRET-TOKEN-PATH" not in "\n".join(summary.lines())
    assert len(smtp_server.messages) == 1  # email went regardless


def test_unset_webhook_variable_is_a_problem_not_a_blocker(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    registry = with_webhook(registry, "TW_UNSET")
    make_alert(session, alert_type="safeguarding", severity="critical", text=SAFEGUARDING_TEXT)
    summary = dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    assert len(smtp_server.messages) == 1
    assert not summary.ok and "TW_UNSET" in summary.problems[0]


def test_a_message_with_nobody_to_send_to_fails_without_retry(smtp_server: SmtpRecorder) -> None:
    from email.message import EmailMessage

    from trustwatch.notify.channels import EmailChannel, SendError
    from trustwatch.notify.settings import SmtpSettings

    message = EmailMessage()
    message["From"] = "trustwatch@riverbend.example.org"
    message["Subject"] = "x"
    with pytest.raises(SendError) as caught:
        EmailChannel(SmtpSettings()).send(message)
    assert not caught.value.retriable and "no recipient" in str(caught.value)
    assert smtp_server.messages == []


def test_each_address_gets_one_copy_however_routing_writes_it(
    session: Session, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    routed = ["Priya Desai <DSL@oakfield.example.org>", "head@oakfield.example.org", "Priya"]
    make_alert(session, alert_type="hate", severity="high", text="x", routed_to=routed)
    dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps))
    assert sorted(smtp_server.envelopes[0]) == [
        "dsl@oakfield.example.org",
        "head@oakfield.example.org",
        "safeguarding@riverbend.example.org",
    ]
    assert "Item: a Facebook comment" in smtp_server.messages[0].get_content()
