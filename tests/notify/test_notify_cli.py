"""`trustwatch notify` in-process: exit codes and what it prints."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from notify.builders import NOW, make_alert
from notify.peers import SMTP_PASSWORD, SmtpRecorder
from trustwatch.cli import main


@pytest.fixture
def warehouse_env(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "TRUSTWATCH_WAREHOUSE_URL", sqlite_engine.url.render_as_string(hide_password=False)
    )


def test_notify_then_digest(
    warehouse_env: None,
    session: Session,
    smtp_server: SmtpRecorder,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_alert(session, alert_type="safeguarding", severity="critical", text="private")
    make_alert(session, alert_type="complaint", severity="low", text="parking")
    assert main(["notify", "--now", NOW.isoformat()]) == 0
    assert "sent 1, already sent 0, failed 0" in capsys.readouterr().out
    assert main(["notify", "--now", NOW.isoformat()]) == 0
    assert "sent 0, already sent 1, failed 0" in capsys.readouterr().out
    assert main(["notify", "--digest", "--now", NOW.isoformat()]) == 0
    assert "sent 1," in capsys.readouterr().out
    assert len(smtp_server.messages) == 2


def test_failed_send_exits_1_and_says_why_without_the_password(
    warehouse_env: None,
    session: Session,
    smtp_server: SmtpRecorder,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_alert(session, alert_type="safeguarding", severity="critical", text="private")
    smtp_server.refuse = 99
    smtp_server.refusal = "554 5.7.1 rejected"
    assert main(["notify", "--now", NOW.isoformat()]) == 1
    out = capsys.readouterr()
    assert "failed: alert:" in out.out and "554" in out.out
    assert SMTP_PASSWORD not in out.out + out.err


def test_missing_smtp_host_is_a_user_error(
    warehouse_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TRUSTWATCH_SMTP_HOST", raising=False)
    assert main(["notify"]) == 2
    assert "TRUSTWATCH_SMTP_HOST" in capsys.readouterr().err


def test_notify_never_logs_the_webhook_url_at_any_level(
    warehouse_env: None,
    session: Session,
    smtp_server: SmtpRecorder,
    webhook_server,  # type: ignore[no-untyped-def]
    tmp_path,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """urllib3 logs each request's path at DEBUG; a webhook's path is its secret."""
    import logging

    from trustwatch.settings import EXAMPLE_CONFIG

    config = tmp_path / "trust.yaml"
    config.write_text(
        EXAMPLE_CONFIG.read_text().replace(
            "notifications:\n", "notifications:\n  webhook_url_env: TW_HOOK_URL\n", 1
        )
    )
    monkeypatch.setenv("TRUSTWATCH_CONFIG", str(config))
    monkeypatch.setenv("TW_HOOK_URL", webhook_server.url)
    make_alert(session, alert_type="bullying", severity="high", text="name calling")
    caplog.set_level(logging.DEBUG)
    assert main(["notify", "--now", NOW.isoformat()]) == 0
    assert len(webhook_server.bodies) == 1
    logged = caplog.text + "".join(capsys.readouterr())
    assert "POST" in caplog.text  # urllib3 did log the request...
    assert "SECRET-TOKEN-PATH" not in logged  # ...without the webhook's path
