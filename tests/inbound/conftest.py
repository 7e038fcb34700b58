"""Stored webhook events over a fresh warehouse, and a local SMTP peer for the lead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.notify.peers import free_port
from trustwatch.receiver import events as ev
from trustwatch.receiver import samples
from trustwatch.receiver.store import store_delivery

NOW = dt.datetime(2026, 12, 3, 9, 5, tzinfo=dt.UTC)
WINDOW = dt.timedelta(hours=1)
OAKFIELD_FB = "100000000000101"
OAKFIELD_X = "1500000000000000001"
POST = f"{OAKFIELD_FB}_900000000000001"


def store_facebook(engine, *changes: dict[str, Any], page: str = OAKFIELD_FB) -> list[int]:
    body = samples.facebook_delivery(page, list(changes), NOW)
    split = ev.facebook_events(body, now=NOW, max_age=WINDOW, skew=WINDOW)
    return store_delivery(engine, split.events, delivery_sha256=str(id(body)), now=NOW).new_ids


def store_x(engine, *tweets: dict[str, Any]) -> list[int]:
    body = samples.x_delivery(OAKFIELD_X, list(tweets))
    split = ev.x_events(body, now=NOW, max_age=WINDOW, skew=WINDOW)
    return store_delivery(engine, split.events, delivery_sha256=str(id(body)), now=NOW).new_ids


def comment(comment_id: str, message: str, **extra: Any) -> dict[str, Any]:
    fields = {"from_id": "555001", "from_name": "A Parent", "at": NOW} | extra
    return samples.facebook_comment(
        page_id=OAKFIELD_FB, post_id=POST, comment_id=comment_id, message=message, **fields
    )


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Inbox]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TRUSTWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRUSTWATCH_SMTP_PORT", str(port))
    monkeypatch.setenv("TRUSTWATCH_SMTP_SECURITY", "none")
    yield inbox
    controller.stop()
