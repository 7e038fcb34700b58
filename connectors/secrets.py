"""Keep credentials out of logs and error messages (a thin layer over
`trustwatch.logging_setup`, the process-wide redactor).

Every credential a connector resolves is registered here. The redactor's log-record
factory then rewrites any log message or traceback that contains it, so a library that
logs its own request headers or URLs at DEBUG (tweepy logs the bearer header, urllib3
logs URLs) cannot leak it; connector error messages go through `redact` too.
"""

from __future__ import annotations

from typing import Any

from trustwatch import logging_setup

_installed = False


def register_secret(value: str | None) -> None:
    """Remember a secret so it is scrubbed from logs and errors from now on."""
    global _installed
    if not _installed:
        logging_setup.install_secret_filter()
        _installed = True
    logging_setup.register_secret(value)


def redact(text: Any) -> str:
    """`text` as a string with every registered secret replaced."""
    return logging_setup.redact(str(text))
