"""A receiver app over a fresh warehouse, with real Redis on a channel of its own."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from trustwatch.receiver.app import create_app
from trustwatch.receiver.settings import ReceiverSettings

FB_SECRET = "fb-app-secret-for-tests-only"
FB_VERIFY = "fb-verify-token-for-tests"
X_SECRET = "x-consumer-secret-for-tests-only"
REDIS_URL = "redis://127.0.0.1:6379/0"
NOW = dt.datetime(2026, 12, 3, 9, 5, tzinfo=dt.UTC)


@pytest.fixture
def channel() -> str:
    return f"trustwatch.test.{uuid.uuid4().hex[:8]}"


@pytest.fixture
def subscriber(channel: str) -> Iterator[redis.client.PubSub]:
    client = redis.Redis.from_url(REDIS_URL)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel)
    pubsub.get_message(timeout=1.0)
    yield pubsub
    pubsub.close()
    client.close()


@pytest.fixture
def settings(channel: str) -> ReceiverSettings:
    return ReceiverSettings(
        facebook_app_secret=FB_SECRET,
        facebook_verify_token=FB_VERIFY,
        x_consumer_secret=X_SECRET,
        redis_url=REDIS_URL,
        inbound_channel=channel,
        webhook_max_bytes=64 * 1024,
    )


@pytest.fixture
def client(sqlite_engine: Engine, settings: ReceiverSettings) -> Iterator[TestClient]:
    app = create_app(sqlite_engine, settings=settings, clock=lambda: NOW)
    with TestClient(app) as test_client:
        yield test_client
