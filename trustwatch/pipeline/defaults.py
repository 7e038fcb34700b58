"""What every trustwatch DAG shares: owner, retries with backoff, timeouts, start date.

Plain Python (no Airflow import) so the DAG files stay cheap to parse and the policy
tests can compare against one source. `TRUSTWATCH_RETRY_DELAY_SECONDS` shortens the
first retry wait for the demo and tests; production keeps five minutes.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

OWNER = "trustwatch-data"
START_DATE = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
RETRIES = 3
RETRY_DELAY_ENV = "TRUSTWATCH_RETRY_DELAY_SECONDS"
HOURLY_CRON = "0 * * * *"
# ingest_events also runs on this clock, so an event whose Redis notice was lost waits at
# most this long; the Reddit inbox (no push) is polled on the second.
INBOUND_SWEEP_CRON = "*/10 * * * *"
INBOUND_SWEEP_ENV = "TRUSTWATCH_INBOUND_SWEEP_CRON"
REDDIT_INBOX_CRON = "*/5 * * * *"
PLATFORMS = ("x", "reddit", "facebook")
# Platforms with child streams (comments walked under posts); X has none, so its DAG has
# no second mapped group. tests/pipeline/test_steps.py checks this against the plan.
CHILD_STREAM_PLATFORMS = ("reddit", "facebook")
# Per-platform mapped-task concurrency: X and Reddit rate-limit per app, so one at a time.
MAX_ACTIVE_PARTITIONS = {"x": 1, "reddit": 1, "facebook": 2}
TAGS = {
    "ingest": ["trustwatch", "ingest"],
    "events": ["trustwatch", "ingest", "events"],
    "classify": ["trustwatch", "classify"],
    "sla": ["trustwatch", "sla", "alerts"],
    "checks": ["trustwatch", "data-quality"],
    "notify": ["trustwatch", "notify"],
    "report": ["trustwatch", "report"],
    "retention": ["trustwatch", "retention"],
    "model": ["trustwatch", "model"],
}


def retry_delay() -> dt.timedelta:
    seconds = float(os.environ.get(RETRY_DELAY_ENV, "300"))
    return dt.timedelta(seconds=max(seconds, 0.0))


def inbound_sweep_cron() -> str:
    """The sweep's clock, `TRUSTWATCH_INBOUND_SWEEP_CRON` (default every ten minutes).

    A deployer whose Redis is reliable may sweep less often; the triggerer test moves the
    sweep off its path, since a sweep run created between a delivery and the watcher's run
    takes the events itself and the test would then show the sweep, not the watcher.
    Checked here so a bad value fails the DAG's import with the variable's name, not
    with a cron parser's message about a field.
    """
    value = " ".join(os.environ.get(INBOUND_SWEEP_ENV, "").split())
    if not value:
        return INBOUND_SWEEP_CRON
    if len(value.split(" ")) != 5:
        raise ValueError(
            f"{INBOUND_SWEEP_ENV}={value!r} is not a five-field cron expression"
            f" (minute hour day month weekday); unset it for the default {INBOUND_SWEEP_CRON!r}"
        )
    return value


def default_args(execution_timeout: dt.timedelta) -> dict[str, Any]:
    return {
        "owner": OWNER,
        "retries": RETRIES,
        "retry_delay": retry_delay(),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": dt.timedelta(hours=1),
        "execution_timeout": execution_timeout,
    }
