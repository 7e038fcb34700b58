"""Keep secrets out of every log line, whoever logs it and whichever handler writes it.

A token that reaches a log file is a leaked token: log files are copied, shipped and
read by people who must never see credentials. So redaction happens when a record is
created (a process-wide `LogRecord` factory), before any handler, formatter or Airflow
log shipper sees it, and the traceback is rendered and redacted at the same moment.

Known secrets are the values of environment variables whose names say they are secret
(`*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*_KEY`...), the variables the registry names
(`token_env`, `webhook_url_env`), the pseudonym key and the warehouse URL's password.
Secrets learnt at run time (an OAuth access token) are added with `register_secret`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REDACTED = "[REDACTED]"
_MIN_SECRET_LENGTH = 6  # shorter values ("1", "true") would redact ordinary words
_SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|PRIVATE_KEY|ACCESS_KEY|FERNET_KEY|_KEY$",
    re.IGNORECASE,
)
# The userinfo of a URL, anchored just after its "://": `user:password@`. Searching for a
# whole URL with a scheme pattern in front (`[a-z][a-z0-9+.-]*://...`) restarts at every
# letter of a long word and took 6 s for 40,000 characters; anchoring on "://" found by
# `str.find` keeps redaction linear (benchmarks/redaction.py).
_SCHEME_CHAR = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_USERINFO = re.compile(r"[^/:@\s]+:(?P<pw>[^@\s/]+)@")


def redact_url_passwords(text: str) -> str:
    """`text` with the password of every `scheme://user:password@host` replaced.

    Each match attempt stops at the first "/", so it never scans past the next "://":
    the total work is linear in the length of the text.
    """
    found = text.find("://")
    if found < 0:
        return text
    out: list[str] = []
    done = 0
    while found >= 0:
        start = found + 3
        if found > 0 and text[found - 1] in _SCHEME_CHAR:
            match = _USERINFO.match(text, start)
            if match:
                out.append(text[done : match.start("pw")])
                out.append(REDACTED)
                done = match.end("pw")
                start = match.end()
        found = text.find("://", start)
    out.append(text[done:])
    return "".join(out)


class SecretRedactor:
    """Replaces every known secret value (and any URL password) in a string."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*values)

    def add(self, *values: str | None) -> None:
        with self._lock:
            fresh = {v for v in values if v and len(v) >= _MIN_SECRET_LENGTH}
            if fresh <= self._values:
                return
            self._values |= fresh
            # Longest first, so a secret containing another is replaced whole.
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def redact(self, text: str) -> str:
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        return redact_url_passwords(text)

    def redact_record(self, record: logging.LogRecord) -> None:
        """Format the message and traceback now, redacted; later formatters reuse them."""
        try:
            message = record.getMessage()
        except Exception:  # a bad %-format: keep the template, drop the args
            message = f"{record.msg} (unformattable log arguments dropped)"
        record.msg = self.redact(str(message))
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)


class SecretsFilter(logging.Filter):
    """A handler/logger filter doing the same redaction, for handlers built elsewhere."""

    def __init__(self, redactor: SecretRedactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        self.redactor.redact_record(record)
        return True


def secret_values_from_environment(
    environ: dict[str, str] | None = None, named: Iterable[str] = ()
) -> list[str]:
    """Values of secret-looking variables, of the variables named, and URL passwords."""
    env = dict(os.environ if environ is None else environ)
    values = [value for name, value in env.items() if _SECRET_NAME.search(name)]
    values += [env[name] for name in named if env.get(name)]
    url = env.get("TRUSTWATCH_WAREHOUSE_URL")
    if url:
        try:
            password = make_url(url).password
        except ArgumentError:
            password = None
        if password:
            values.append(str(password))
    return values


def registry_secret_names(registry: Any) -> list[str]:
    """Environment variable names the registry points at for tokens and webhooks."""
    names = [account.token_env for _, account in registry.accounts() if account.token_env]
    if registry.notifications.webhook_url_env:
        names.append(registry.notifications.webhook_url_env)
    return names


_REDACTOR = SecretRedactor()
_FILTER = SecretsFilter(_REDACTOR)
_installed = False
_install_lock = threading.Lock()


def redactor() -> SecretRedactor:
    """The process-wide redactor (also used for CLI error messages and reports)."""
    return _REDACTOR


def register_secret(*values: str | None) -> None:
    """Add secrets learnt at run time (e.g. an access token returned by an OAuth call)."""
    _REDACTOR.add(*values)


def redact(text: str) -> str:
    return _REDACTOR.redact(text)


def _development_pseudonym_key() -> str | None:
    """The key file `Settings.pseudonym_key` creates in development, if there is one."""
    from trustwatch.settings import get_settings

    key_file = get_settings().var_dir / "pseudonym.key"
    try:
        return key_file.read_text().strip() or None
    except OSError:
        return None


def _wrap_factory(base: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        _REDACTOR.redact_record(record)
        return record

    factory.trustwatch_redacting = True  # type: ignore[attr-defined]
    return factory


def install_secret_filter(
    registry: Any | None = None, extra_values: Iterable[str] = ()
) -> SecretRedactor:
    """Install redaction for the whole process; safe to call more than once.

    Call it first thing in the CLI and in every DAG task. It reads the environment now;
    call again (or `register_secret`) when more secrets become known.
    """
    global _installed
    named = registry_secret_names(registry) if registry is not None else []
    _REDACTOR.add(*secret_values_from_environment(named=named), *extra_values)
    _REDACTOR.add(_development_pseudonym_key())
    with _install_lock:
        if not _installed:
            current = logging.getLogRecordFactory()
            if not getattr(current, "trustwatch_redacting", False):
                logging.setLogRecordFactory(_wrap_factory(current))
            _installed = True
        for handler in logging.getLogger().handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
    return _REDACTOR
