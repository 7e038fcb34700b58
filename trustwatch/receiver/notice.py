"""Announce stored events on Redis pub/sub: ids only, never text.

The notice only wakes the `ingest_events` DAG (its asset watcher listens on the
channel); the events themselves are already in `inbound_events`. So a notice that is
lost (Redis down, nobody subscribed at that instant) delays an event until the DAG's
next run, which takes every unprocessed row, and loses nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Protocol

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def publish(self, platform: str, ids: Sequence[int]) -> bool: ...


def notice(platform: str, ids: Sequence[int]) -> str:
    return json.dumps({"platform": platform, "inbound_event_ids": list(ids)})


class RedisPublisher:
    """Publishes to one channel; a failure is logged (without the URL) and reported."""

    def __init__(self, url: str, channel: str) -> None:
        import redis

        self.channel = channel
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)

    def publish(self, platform: str, ids: Sequence[int]) -> bool:
        if not ids:
            return True
        try:
            self.client.publish(self.channel, notice(platform, ids))
        except Exception as exc:  # redis.RedisError, OSError: the event is stored anyway
            log.warning(
                "could not publish the notice for %d %s event(s) (%s); the next "
                "ingest_events run picks them up",
                len(ids),
                platform,
                type(exc).__name__,
            )
            return False
        return True
