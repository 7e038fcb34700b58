"""A local SMTP server for the notification steps, and the seeded warehouse."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from tests.quality.conftest import seed
from trustwatch.registry import Registry


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TRUSTWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRUSTWATCH_SMTP_PORT", str(port))
    monkeypatch.setenv("TRUSTWATCH_SMTP_SECURITY", "none")
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def seeded_warehouse(
    sqlite_url: str, sqlite_engine: Engine, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> Engine:
    seed(sqlite_engine, registry)
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", sqlite_url)
    return sqlite_engine
