"""Fixtures for the connector tests: sentinel credentials, a mocked network, an ingest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from connector_fakes import (
    OAKFIELD_FB,
    PARENT_POST,
    RUN_AT,
    SENTINELS,
    T0,
    StreamCase,
    reddit_token_response,
)
from sqlalchemy import Engine

from connectors.base import RetryPolicy
from trustwatch.db.engine import session_scope
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.ingest import IngestSummary, LiveSource, plan_partitions, run_ingest
from trustwatch.registry import Platform, Registry
from trustwatch.warehouse.items import load_items

SECRET = b"connector-tests-pseudonym-secret"


@pytest.fixture(autouse=True)
def sentinel_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AIRFLOW_CTX_DAG_ID", raising=False)
    monkeypatch.delenv("TRUSTWATCH_FACEBOOK_GRAPH_VERSION", raising=False)
    return SENTINELS


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(
            responses.POST,
            "https://www.reddit.com/api/v1/access_token",
            json=reddit_token_response(),
        )
        yield rsps


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def retry(waits: list[float]) -> RetryPolicy:
    return RetryPolicy(max_tries=4, sleep=waits.append)


def seed_parent(engine: Engine) -> None:
    """The Facebook post whose comments the child stream walks."""
    post = CanonicalItem(
        platform=Platform.FACEBOOK,
        external_id=PARENT_POST,
        kind=ItemKind.POST,
        stream="facebook.posts",
        account_platform_id=OAKFIELD_FB,
        is_from_school=True,
        text="Christmas fair on Saturday!",
        created_at=T0,
    )
    with session_scope(engine) as session:
        load_items(session, [post], pseudonym_secret=SECRET)


Ingest = Callable[..., IngestSummary]


@pytest.fixture
def ingest(registry: Registry, retry: RetryPolicy) -> Ingest:
    """Run the real ingest job for some partitions, live connectors, fake network."""

    def run(engine: Engine, *labels: str, **kwargs: Any) -> IngestSummary:
        planned = [p for p in plan_partitions(registry) if p.label in labels]
        assert len(planned) == len(labels), f"unknown partition in {labels}"
        options: dict[str, Any] = {
            "source": LiveSource(),
            "pseudonym_secret": SECRET,
            "partitions": planned,
            "retry": retry,
            "now": RUN_AT,
            "read_caps": {},
        }
        options.update(kwargs)
        return run_ingest(engine, registry, **options)

    return run


def prepare(engine: Engine, case: StreamCase) -> None:
    if case.child:
        seed_parent(engine)
