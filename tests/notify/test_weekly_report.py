"""The weekly report goes to the configured recipients as a PDF, once per week."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from notify.peers import Sleeps, SmtpRecorder
from trustwatch.notify import Transport
from trustwatch.registry import Registry
from trustwatch.reports import send_weekly

MONDAY = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)


def _embed(texts: list[str]) -> np.ndarray:
    """An empty warehouse has no complaints; this is never called with any text."""
    assert texts == []
    return np.zeros((0, 384))


def test_weekly_report_is_emailed_once_to_the_recipients(
    sqlite_engine: Engine,
    registry: Registry,
    smtp_server: SmtpRecorder,
    sleeps: Sleeps,
    tmp_path: Path,
) -> None:
    transport = Transport.from_env(registry)
    transport.sleep = sleeps
    smtp_server.refuse = 1  # the first attempt is refused and retried
    result = send_weekly(
        sqlite_engine, registry, now=MONDAY, transport=transport, out_dir=tmp_path, embed=_embed
    )
    assert result.ok and result.outcome is not None and result.outcome.attempts == 2
    [message] = smtp_server.messages
    assert sorted(smtp_server.envelopes[0]) == sorted(
        str(r) for r in registry.notifications.report_recipients
    )
    assert "weekly report" in message["Subject"] and "Week 48 of 2026" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "trustwatch-trust-week-2026-11-23.pdf"
    assert attachment.get_content().startswith(b"%PDF-")

    again = send_weekly(
        sqlite_engine,
        registry,
        now=MONDAY + dt.timedelta(hours=2),
        transport=transport,
        out_dir=tmp_path,
        embed=_embed,
    )
    assert again.outcome is None and again.files is None
    assert len(smtp_server.messages) == 1
