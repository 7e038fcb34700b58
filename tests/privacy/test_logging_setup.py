"""Secrets never reach a log line, a traceback or a CLI error message."""

from __future__ import annotations

import io
import logging

import pytest

from trustwatch.cli import main
from trustwatch.logging_setup import (
    REDACTED,
    install_secret_filter,
    redact,
    register_secret,
    secret_values_from_environment,
)

TOKEN = "SENTINEL-x-bearer-4f1c9e"
PASSWORD = "SENTINEL-pg-pass-77aa"


@pytest.fixture
def log_stream(monkeypatch: pytest.MonkeyPatch):
    """A handler on a plain logger, formatting like any deployment's handler would."""
    monkeypatch.setenv("TRUSTWATCH_X_BEARER_TOKEN", TOKEN)
    monkeypatch.setenv(
        "TRUSTWATCH_WAREHOUSE_URL", f"postgresql+psycopg2://tw:{PASSWORD}@db.internal/tw"
    )
    install_secret_filter()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("tests.privacy.leaky")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_message_arguments_and_tracebacks_are_redacted(log_stream) -> None:
    logger, stream = log_stream
    logger.debug("GET /2/users headers={'Authorization': 'Bearer %s'}", TOKEN)
    logger.info("connecting to %s", f"postgresql://tw:{PASSWORD}@db.internal/tw")
    try:
        raise RuntimeError(f"401 for token {TOKEN}")
    except RuntimeError:
        logger.exception("fetch failed")
    out = stream.getvalue()
    assert TOKEN not in out and PASSWORD not in out
    assert out.count(REDACTED) == 3
    assert "RuntimeError: 401 for token [REDACTED]" in out  # the traceback is still there


def test_secrets_learnt_at_run_time(log_stream) -> None:
    logger, stream = log_stream
    oauth = "SENTINEL-oauth-access-0099"
    register_secret(oauth)
    logger.warning("refreshed token %s", oauth)
    assert oauth not in stream.getvalue()


def test_short_and_ordinary_values_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"SOME_TOKEN_TTL": "60", "TRUSTWATCH_REDDIT_CLIENT_SECRET": "abcdef123", "PWD": "/w"}
    values = secret_values_from_environment(env)
    assert values == ["60", "abcdef123"]
    install_secret_filter(extra_values=values)
    assert redact("ttl 60s") == "ttl 60s"
    assert redact("secret abcdef123") == f"secret {REDACTED}"


def test_variables_named_by_the_registry_are_secrets() -> None:
    env = {"FB_OAKFIELD": "SENTINEL-page-token-123"}
    assert secret_values_from_environment(env, named=["FB_OAKFIELD"]) == [env["FB_OAKFIELD"]]


def test_cli_error_messages_are_redacted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUSTWATCH_X_BEARER_TOKEN", TOKEN)
    assert main(["retention", "--now", TOKEN]) == 2
    err = capsys.readouterr().err
    assert TOKEN not in err and REDACTED in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://tw:s3cret-pw@db/tw", "postgresql://tw:[REDACTED]@db/tw"),
        ("a https://u:p:w@h/x b", "a https://u:[REDACTED]@h/x b"),
        ("two: s://a:b@h and t://c:d@h", "two: s://a:[REDACTED]@h and t://c:[REDACTED]@h"),
        ("no password: https://user@host/path", "no password: https://user@host/path"),
        ("not a URL: ://u:p@h", "not a URL: ://u:p@h"),
        ("ratio 3:4 at noon", "ratio 3:4 at noon"),
    ],
)
def test_url_passwords_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redaction_work_grows_linearly() -> None:
    """The old pattern restarted at every letter: a 40,000-letter word took 6 s. Count the
    regex match attempts instead of timing, so the test cannot flake on a busy machine."""
    from trustwatch import logging_setup

    calls = {"n": 0}
    real = logging_setup._USERINFO

    class Counting:
        def match(self, text: str, pos: int):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            return real.match(text, pos)

    logging_setup._USERINFO = Counting()  # type: ignore[assignment]
    try:
        assert redact("x" * 100_000) == "x" * 100_000
        assert calls["n"] == 0
        text = "s://u:p@h/ " * 10_000
        assert redact(text).count(REDACTED) == 10_000
        assert calls["n"] == 10_000  # one anchored attempt per "://", none elsewhere
    finally:
        logging_setup._USERINFO = real
