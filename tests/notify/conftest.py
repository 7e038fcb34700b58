"""Fixtures starting the local SMTP and webhook peers (see peers.py) and a session."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from notify.peers import (
    SMTP_PASSWORD,
    SMTP_USER,
    Sleeps,
    SmtpRecorder,
    WebhookRecorder,
    free_port,
    smtp_authenticator,
)


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpRecorder]:
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=smtp_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    monkeypatch.setenv("TRUSTWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRUSTWATCH_SMTP_PORT", str(port))
    monkeypatch.setenv("TRUSTWATCH_SMTP_SECURITY", "none")
    monkeypatch.setenv("TRUSTWATCH_SMTP_USER", SMTP_USER)
    monkeypatch.setenv("TRUSTWATCH_SMTP_PASSWORD", SMTP_PASSWORD)
    try:
        yield recorder
    finally:
        controller.stop()


@pytest.fixture
def webhook_server() -> Iterator[WebhookRecorder]:
    recorder = WebhookRecorder(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            status = recorder.statuses.pop(0) if recorder.statuses else 200
            if status == 200:
                recorder.bodies.append(body)
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status == 200 else b"no")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/T000/SECRET-TOKEN-PATH"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    factory = sessionmaker(bind=sqlite_engine, expire_on_commit=False)
    with factory() as session:
        yield session


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
