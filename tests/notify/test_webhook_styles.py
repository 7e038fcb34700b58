"""Slack and Microsoft Teams webhooks get the payload each accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from notify.builders import NOW, SAFEGUARDING_TEXT, make_alert, transport_for, with_webhook
from notify.peers import Sleeps, SmtpRecorder, WebhookRecorder
from trustwatch.cli import main
from trustwatch.notify import dispatch
from trustwatch.notify.channels import webhook_style
from trustwatch.registry import Registry


@pytest.mark.parametrize(
    ("url", "style"),
    [
        ("https://hooks.slack.com/services/T0/B0/abc", "slack"),
        ("https://riverbend.webhook.office.com/webhookb2/abc", "teams"),
        ("https://prod-01.uksouth.logic.azure.com:443/workflows/abc/triggers", "teams"),
        ("http://127.0.0.1:9000/hook", "slack"),
    ],
)
def test_style_follows_the_host(url: str, style: str) -> None:
    assert webhook_style(url) == style


def test_teams_gets_an_adaptive_card_without_post_text(
    session: Session,
    registry: Registry,
    smtp_server: SmtpRecorder,
    webhook_server: WebhookRecorder,
    monkeypatch: pytest.MonkeyPatch,
    sleeps: Sleeps,
) -> None:
    monkeypatch.setenv("TW_HOOK", webhook_server.url)
    monkeypatch.setenv("TRUSTWATCH_WEBHOOK_STYLE", "teams")
    registry = with_webhook(registry)
    alert = make_alert(
        session, alert_type="safeguarding", severity="critical", text=SAFEGUARDING_TEXT
    )
    assert dispatch(session, registry, now=NOW, transport=transport_for(registry, sleeps)).ok
    [payload] = webhook_server.bodies
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    texts = [block["text"] for block in card["body"]]
    assert "CRITICAL safeguarding" in texts[0]
    assert any(f"/alerts/{alert.alert_id}" in t for t in texts)
    assert not any("messaging" in t for t in texts)


def test_an_unknown_style_is_a_user_error(
    registry: Registry,
    smtp_server: SmtpRecorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    config = tmp_path / "trust.yaml"
    original = registry.model_dump(mode="json", exclude_none=True)
    original["notifications"]["webhook_url_env"] = "TW_HOOK"
    config.write_text(yaml.safe_dump(original))
    monkeypatch.setenv("TW_HOOK", "http://127.0.0.1:9/hook")
    monkeypatch.setenv("TRUSTWATCH_WEBHOOK_STYLE", "discord")
    assert main(["--config", str(config), "notify"]) == 2
    assert "TRUSTWATCH_WEBHOOK_STYLE" in capsys.readouterr().err
