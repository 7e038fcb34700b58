"""Sentinel scan: a pupil's name and a secret planted in items never leave in a message.

Items carrying both sentinels raise alerts of every type and severity; the immediate and
digest runs deliver over real SMTP (aiosmtpd) and to Slack and Teams webhooks (mocked at
the HTTP boundary with `responses`), with every logger at DEBUG. Every email, every
webhook payload, every log record and every file under var/ is then scanned.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
import responses
from reports.factories import FACTORY_SECRET, WarehouseFactory
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from notify.builders import NOW, transport_for, with_excerpts, with_webhook
from notify.peers import Sleeps, SmtpRecorder
from trustwatch.db.models import Author, Notification
from trustwatch.notify import dispatch, send_daily_digest
from trustwatch.registry import Registry
from trustwatch.settings import get_settings

PUPIL = "Ellie Fairweather"
SECRET = "twsk_live_7Qm2Zr9Lp4Xv1Nc8"
HANDLE = "ellie_fw_2015"
TEXT = f"{PUPIL} was pushed in the yard again, @{HANDLE} knows. Her login is {SECRET}"
SENTINELS = (PUPIL, "Fairweather", SECRET, HANDLE)
SLACK = "https://hooks.slack.com/services/T000/B000/SENTINELHOOK"
TEAMS = "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"

CASES = [
    ("safeguarding", "critical", False),
    ("bullying", "high", False),
    ("bullying", "high", True),  # also above the safeguarding threshold
    ("abuse", "critical", False),
    ("hate", "medium", False),
    ("complaint", "low", False),
]


def _plant(session: Session) -> None:
    """One sentinel item per case, by an author whose handle and name are sentinels too."""
    factory = WarehouseFactory(session, FACTORY_SECRET)
    for number, (alert_type, severity, flag) in enumerate(CASES):
        item = factory.item(
            school_key=("oakfield", "millbrook")[number % 2], platform="x", text=TEXT,
            created_at=NOW - dt.timedelta(hours=2), author_number=50 + number,
        )  # fmt: skip
        item.raw = {"text": TEXT, "includes": {"users": [{"username": HANDLE, "name": PUPIL}]}}
        scores = {alert_type: 0.95, **({"safeguarding": 0.8} if flag else {})}
        factory.scores(item, scores, version="v1", at=NOW - dt.timedelta(hours=1))
        factory.alert(item, alert_type=alert_type, severity=severity,
                      created_at=NOW - dt.timedelta(minutes=30))  # fmt: skip
    session.execute(update(Author).values(handle=HANDLE, display_name=PUPIL))
    session.commit()


def _hits(text: str) -> list[str]:
    return [s for s in SENTINELS if s.lower() in text.lower()]


def _deliver(
    session: Session, registry: Registry, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Run both notify jobs to both webhook styles; return each webhook body as text."""
    bodies: list[str] = []
    for url in (SLACK, TEAMS):
        monkeypatch.setenv("TW_HOOK", url)
        with responses.RequestsMock() as mock:
            mock.add(responses.POST, url, body="ok", status=200)
            hooked = with_webhook(registry)
            transport = transport_for(hooked, sleeps)
            assert dispatch(session, hooked, now=NOW, transport=transport).ok
            assert send_daily_digest(session, hooked, now=NOW, transport=transport).ok
            bodies += [call.request.body.decode() for call in mock.calls]
        session.execute(delete(Notification))  # the second style must send everything again
        session.commit()
    return bodies


def _our_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record but the test SMTP server's own (aiosmtpd logs what it receives)."""
    return [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]


def _var_files() -> dict[str, str]:
    root: Path = get_settings().var_dir
    return {
        str(p): p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file()
    }


def test_no_sentinel_in_any_message_log_or_file_by_default(
    session: Session,
    registry: Registry,
    smtp_server: SmtpRecorder,
    sleeps: Sleeps,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _plant(session)
    webhook_bodies = _deliver(session, registry, sleeps, monkeypatch)
    assert len(_our_logs(caplog)) > 20  # trustwatch, urllib3 and smtplib did log

    emails = [m.as_string() + m.get_content() for m in smtp_server.messages]
    assert len(emails) >= len(CASES) and len(webhook_bodies) >= 2 * 4
    payloads = [json.loads(body) for body in webhook_bodies]
    assert any("/alerts/" in json.dumps(p) for p in payloads)  # they did say something
    matches = {
        "email": sum(len(_hits(e)) for e in emails),
        "webhook": sum(len(_hits(b)) for b in webhook_bodies),
        "log": sum(len(_hits(m)) for m in _our_logs(caplog)),
        "var": sum(len(_hits(text)) for text in _var_files().values()),
    }
    assert matches == {"email": 0, "webhook": 0, "log": 0, "var": 0}


def test_excerpts_allowed_reach_email_only_never_a_webhook(
    session: Session,
    registry: Registry,
    smtp_server: SmtpRecorder,
    sleeps: Sleeps,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _plant(session)
    webhook_bodies = _deliver(session, with_excerpts(registry), sleeps, monkeypatch)

    excerpted = [m.get_content() for m in smtp_server.messages if "Excerpt" in m.get_content()]
    # bullying (not flagged) and abuse: the two non-safeguarding immediate alerts, per run
    assert len(excerpted) == 4
    assert all(PUPIL in body and f"@{HANDLE}" not in body for body in excerpted)
    assert sum(len(_hits(b)) for b in webhook_bodies) == 0
    assert sum(len(_hits(m)) for m in _our_logs(caplog)) == 0
