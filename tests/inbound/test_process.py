"""Stored webhook events become items through the hourly path's parser, gate and load."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import responses
from sqlalchemy import Engine, func, select

from connectors.base import RetryPolicy
from tests.inbound.conftest import (
    NOW,
    OAKFIELD_X,
    POST,
    comment,
    store_facebook,
    store_x,
)
from trustwatch.db.engine import session_scope
from trustwatch.db.models import InboundEvent, Item, Quarantine, School
from trustwatch.inbound.process import process_pending
from trustwatch.ingest import LiveSource, plan_partitions, run_ingest
from trustwatch.receiver import samples
from trustwatch.registry import Registry

SECRET = b"inbound-tests-pseudonym-secret"


def _process(engine: Engine, registry: Registry, **kwargs):  # type: ignore[no-untyped-def]
    return process_pending(engine, registry, pseudonym_secret=SECRET, now=NOW, **kwargs)


def _items(engine: Engine) -> dict[str, Item]:
    with session_scope(engine) as session:
        return {i.external_id: i for i in session.scalars(select(Item))}


def test_facebook_comment_event_becomes_the_same_item_the_poll_makes(
    sqlite_engine: Engine, registry: Registry
) -> None:
    store_facebook(sqlite_engine, comment("c1", "my child was bullied at lunch"))
    store_facebook(sqlite_engine, comment("c2", "a reply", parent_id="c1"))
    summary = _process(sqlite_engine, registry)
    assert (summary.events, summary.loaded, summary.failed) == (2, 2, 0)
    items = _items(sqlite_engine)
    first, reply = items["c1"], items["c2"]
    with session_scope(sqlite_engine) as session:
        oakfield = session.scalar(select(School.school_id).where(School.school_key == "oakfield"))
    assert first.kind == "comment" and first.parent_external_id == POST
    assert reply.kind == "reply" and reply.parent_external_id == "c1"
    assert first.thread_root_external_id == POST and first.school_id == oakfield
    assert first.stream == "facebook.comments" and first.author_key
    assert sorted(summary.item_ids) == sorted(i.item_id for i in items.values())
    with session_scope(sqlite_engine) as session:
        events = list(session.scalars(select(InboundEvent)))
    assert all(e.processed_at == NOW and e.payload is None for e in events)


def test_x_mention_event_is_a_mention_of_the_school(sqlite_engine, registry) -> None:
    store_x(
        sqlite_engine,
        samples.tweet(
            tweet_id="1860000000000000001",
            text="@OakfieldPrimary my son is scared to go in",
            user_id="777",
            screen_name="worried",
            name="Worried Parent",
            at=NOW,
            mentions=[(OAKFIELD_X, "OakfieldPrimary")],
        ),
    )
    _process(sqlite_engine, registry)
    item = _items(sqlite_engine)["1860000000000000001"]
    assert item.kind == "mention" and item.text.endswith("scared to go in")
    assert item.url == "https://x.com/i/web/status/1860000000000000001"
    assert item.created_at == NOW


def test_every_unprocessed_event_is_taken_notice_or_not(sqlite_engine, registry) -> None:
    """Events whose notice never went out (stored straight into the table here) load on
    the next run; a second run finds nothing left."""
    store_facebook(sqlite_engine, comment("c1", "one"), comment("c2", "two"))
    assert _process(sqlite_engine, registry, limit=1).loaded == 1
    assert _process(sqlite_engine, registry).loaded == 1
    assert _process(sqlite_engine, registry).events == 0


def test_an_event_for_an_unknown_page_is_quarantined_not_retried(sqlite_engine, registry) -> None:
    store_facebook(sqlite_engine, comment("c1", "hello"), page="999999")
    store_facebook(sqlite_engine, comment("c2", "fine"))
    summary = _process(sqlite_engine, registry)
    assert (summary.loaded, summary.quarantined) == (1, 1)
    with session_scope(sqlite_engine) as session:
        reason = session.scalar(select(Quarantine.reason))
        left = session.scalar(
            select(func.count())
            .select_from(InboundEvent)
            .where(InboundEvent.processed_at.is_(None))
        )
    assert "999999" in reason and left == 0


def test_a_removed_comment_keeps_the_words_it_had(sqlite_engine, registry) -> None:
    store_facebook(sqlite_engine, comment("c1", "you are a useless teacher"))
    _process(sqlite_engine, registry)
    store_facebook(sqlite_engine, comment("c1", "", verb="remove"))
    _process(sqlite_engine, registry)
    item = _items(sqlite_engine)["c1"]
    assert item.is_deleted and item.text == "you are a useless teacher"


# --- webhook + hourly poll: one row -----------------------------------------------------


def _graph_comments(mock: responses.RequestsMock, comments: list[dict]) -> None:
    mock.add(
        responses.GET,
        re.compile(rf"https://graph.facebook.com/v[\d.]+/{POST}/comments"),
        json={"data": comments},
    )


def _poll(engine: Engine, registry: Registry, label: str):  # type: ignore[no-untyped-def]
    planned = [p for p in plan_partitions(registry) if p.label == label]
    return run_ingest(
        engine,
        registry,
        source=LiveSource(),
        pseudonym_secret=SECRET,
        partitions=planned,
        now=NOW + dt.timedelta(minutes=55),
        retry=RetryPolicy(max_tries=1, sleep=lambda s: None),
    ).results[0]


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRUSTWATCH_FACEBOOK_PAGE_TOKEN", "page-token-for-inbound-tests")
    monkeypatch.setenv("TRUSTWATCH_X_BEARER_TOKEN", "bearer-token-for-inbound-tests")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def _seed_post(engine: Engine) -> None:
    from trustwatch.domain import CanonicalItem, ItemKind
    from trustwatch.registry import Platform
    from trustwatch.warehouse.items import load_items

    post = CanonicalItem(
        platform=Platform.FACEBOOK,
        external_id=POST,
        kind=ItemKind.POST,
        stream="facebook.posts",
        account_platform_id="100000000000101",
        is_from_school=True,
        text="Sports day on Friday",
        created_at=NOW - dt.timedelta(hours=2),
    )
    with session_scope(engine) as session:
        load_items(session, [post], pseudonym_secret=SECRET)


@pytest.mark.parametrize("webhook_first", [True, False], ids=["webhook-then-poll", "poll-first"])
def test_a_comment_seen_by_webhook_and_poll_is_one_row(
    sqlite_engine, registry, graph, webhook_first: bool
) -> None:
    _seed_post(sqlite_engine)
    text = "my daughter is being picked on every day"
    polled = {
        "id": "c1",
        "message": text,
        "created_time": NOW.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "from": {"id": "555001", "name": "A Parent"},
        "permalink_url": f"https://www.facebook.com/{POST}?comment_id=c1",
    }
    _graph_comments(graph, [polled])
    if not webhook_first:
        assert _poll(sqlite_engine, registry, "facebook:oakfield:comments").inserted == 1
    store_facebook(sqlite_engine, comment("c1", text))
    summary = _process(sqlite_engine, registry)
    assert summary.loaded == 1
    before = _items(sqlite_engine)["c1"]
    if webhook_first:
        result = _poll(sqlite_engine, registry, "facebook:oakfield:comments")
        assert result.inserted == 0 and result.read == 1
    items = _items(sqlite_engine)
    assert sorted(items) == sorted(["c1", POST])
    after = items["c1"]
    assert after.item_id == before.item_id
    assert (after.kind, after.author_key, after.school_id, after.text) == (
        before.kind,
        before.author_key,
        before.school_id,
        text,
    )


def test_a_mention_seen_by_webhook_and_poll_is_one_row(sqlite_engine, registry, graph) -> None:
    tweet_id = "1860000000000000002"
    store_x(
        sqlite_engine,
        samples.tweet(
            tweet_id=tweet_id,
            text="@OakfieldPrimary the gate was left open again",
            user_id="778",
            screen_name="neighbour",
            name="Neighbour",
            at=NOW,
            mentions=[(OAKFIELD_X, "OakfieldPrimary")],
        ),
    )
    _process(sqlite_engine, registry)
    webhook_item = _items(sqlite_engine)[tweet_id]
    graph.add(
        responses.GET,
        re.compile(rf"https://api.(twitter|x).com/2/users/{OAKFIELD_X}/mentions"),
        json={
            "data": [
                {
                    "id": tweet_id,
                    "text": "@OakfieldPrimary the gate was left open again",
                    "author_id": "778",
                    "created_at": NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "conversation_id": tweet_id,
                    "entities": {"mentions": [{"id": OAKFIELD_X, "username": "OakfieldPrimary"}]},
                    "lang": "en",
                }
            ],
            "includes": {"users": [{"id": "778", "username": "neighbour", "name": "Neighbour"}]},
            "meta": {"result_count": 1},
        },
    )
    result = _poll(sqlite_engine, registry, "x:oakfield:mentions")
    assert result.read == 1 and result.inserted == 0
    polled_item = _items(sqlite_engine)[tweet_id]
    assert polled_item.item_id == webhook_item.item_id
    assert (polled_item.kind, polled_item.author_key) == (
        webhook_item.kind,
        webhook_item.author_key,
    )
