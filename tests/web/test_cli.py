"""`trustwatch users add/list` and `trustwatch serve` refusing an unmigrated warehouse."""

from __future__ import annotations

import io
import sys

import pytest
from sqlalchemy import select

from trustwatch.cli import main
from trustwatch.db.engine import get_engine, session_scope
from trustwatch.db.models import AuditLog, WebUser
from trustwatch.receiver.launch import free_port
from trustwatch.web.security import verify_password


@pytest.fixture
def migrated() -> None:
    assert main(["init"]) == 0


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_users_add_creates_the_first_admin(migrated, monkeypatch, capsys):
    _stdin(monkeypatch, "first kettle passphrase\n")
    code = main(
        [
            "users",
            "add",
            "--email",
            "Admin@Riverbend.example.org",
            "--role",
            "admin",
            "--password-stdin",
        ]
    )
    assert code == 0
    assert "created admin admin@riverbend.example.org" in capsys.readouterr().out
    with session_scope(get_engine()) as session:
        user = session.scalar(select(WebUser))
        assert user.email == "admin@riverbend.example.org"
        assert user.role == "admin" and user.school_id is None
        assert verify_password(user.password_hash, "first kettle passphrase")
        audit = session.scalar(select(AuditLog).where(AuditLog.action == "user.create"))
        assert audit.actor == "cli"
    assert main(["users", "list"]) == 0
    assert "admin@riverbend.example.org\tadmin\ttrust-wide\tactive" in capsys.readouterr().out


def test_users_add_a_school_lead(migrated, monkeypatch):
    _stdin(monkeypatch, "lead passphrase here\n")
    code = main(
        [
            "users",
            "add",
            "--email",
            "dsl@oakfield.example.org",
            "--role",
            "lead",
            "--school",
            "oakfield",
            "--password-stdin",
        ]
    )
    assert code == 0
    with session_scope(get_engine()) as session:
        assert session.scalar(select(WebUser)).school.school_key == "oakfield"


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "admin"], "short\n", "too weak"),
        (["--role", "lead", "--school", "nowhere"], "long enough password\n", "no active school"),
        (["--role", "lead"], "", "stdin is empty"),
    ],
)
def test_users_add_refuses_with_exit_2(migrated, monkeypatch, capsys, args, password, message):
    _stdin(monkeypatch, password)
    code = main(["users", "add", "--email", "x@riverbend.example.org", *args, "--password-stdin"])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    with session_scope(get_engine()) as session:
        assert session.scalar(select(WebUser)) is None


def test_users_and_serve_need_a_migrated_warehouse(capsys):
    assert main(["users", "list"]) == 2
    assert "trustwatch init" in capsys.readouterr().err
    assert main(["serve", "--port", "8765"]) == 2
    assert "trustwatch init" in capsys.readouterr().err


def test_serve_answers_over_http(migrated):
    """`trustwatch serve` in its own process: the sign-in page and clean access-log lines."""
    import subprocess
    import time

    import httpx

    port = free_port()
    command = "import sys; from trustwatch.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", command, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        response = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert response is not None, "serve did not answer"
        assert response.status_code == 200
        assert "Sign in" in response.text
        assert "server" not in response.headers  # no version banner
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert '"GET /login HTTP/1.1" 200' in output
    assert "Logging error" not in output
