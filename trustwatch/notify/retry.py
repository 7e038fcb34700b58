"""Bounded retries with exponential backoff, in one place for every channel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from trustwatch.notify.channels import SendError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    attempts: int
    error: str | None = None


def send_with_retry(
    send: Callable[[], None],
    *,
    max_attempts: int,
    backoff_seconds: float,
    sleep: Callable[[float], None],
) -> Outcome:
    """Call `send` until it succeeds, fails for good, or `max_attempts` are used.

    Waits backoff, 2×backoff, 4×backoff … between attempts. Only `SendError` is caught:
    anything else is a bug and should surface.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    for attempt in range(1, max_attempts + 1):
        try:
            send()
            return Outcome(ok=True, attempts=attempt)
        except SendError as exc:
            if not exc.retriable or attempt == max_attempts:
                return Outcome(ok=False, attempts=attempt, error=str(exc))
            wait = backoff_seconds * 2 ** (attempt - 1)
            log.info("send attempt %d failed (%s); retrying in %.0f s", attempt, exc, wait)
            sleep(wait)
    return Outcome(ok=False, attempts=max_attempts, error="no attempt made")
