"""The five-minute Reddit inbox poll, through the step the DAG calls, against Reddit's
listing JSON at the network boundary (praw and prawcore run for real)."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
from sqlalchemy import select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import Item
from trustwatch.pipeline.events_step import reddit_inbox_labels
from trustwatch.pipeline.ingest_step import run_partition
from trustwatch.pipeline.runtime import Window

REDDIT = "https://oauth.reddit.com"
T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def mention(cid: str, minutes: int) -> dict:
    return {
        "kind": "t1",
        "data": {
            "id": cid,
            "name": f"t1_{cid}",
            "author": "a_parent",
            "body": f"u/MillbrookHighOfficial please look at this ({cid})",
            "created_utc": (T0 + dt.timedelta(minutes=minutes)).timestamp(),
            "parent_id": "t3_post1",
            "subreddit": "Riverbend",
            "context": f"/r/Riverbend/comments/post1/title/{cid}/?context=3",
            "was_comment": True,
        },
    }


def listing(*children: dict) -> dict:
    return {"kind": "Listing", "data": {"after": None, "children": list(children)}}


@pytest.fixture
def reddit(monkeypatch, sqlite_url, sqlite_engine):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", sqlite_url)
    monkeypatch.setenv("TRUSTWATCH_INGEST_SOURCE", "live")
    for name, value in {
        "CLIENT_ID": "inbox-test-client",
        "CLIENT_SECRET": "inbox-test-client-secret",
        "USER_AGENT": "trustwatch-tests/1.0",
        "USERNAME": "MillbrookHighOfficial",
        "PASSWORD": "inbox-test-password",
    }.items():
        monkeypatch.setenv(f"TRUSTWATCH_REDDIT_{name}", value)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            responses.POST,
            "https://www.reddit.com/api/v1/access_token",
            json={"access_token": "tok", "token_type": "bearer", "expires_in": 86400, "scope": "*"},
        )
        yield mock


def _inbox_calls(mock: responses.RequestsMock) -> list[str]:
    return [c.request.url for c in mock.calls if "/message/" in c.request.url]


def test_two_polls_five_minutes_apart_load_each_mention_once(reddit, sqlite_engine) -> None:
    labels = reddit_inbox_labels()
    first = listing(mention("m1", 1))
    second = listing(mention("m2", 6), mention("m1", 1))
    reddit.add(responses.GET, f"{REDDIT}/message/mentions", json=first)
    reddit.add(responses.GET, f"{REDDIT}/message/comments", json=listing())
    window = Window(T0, T0 + dt.timedelta(minutes=5))
    counts = [run_partition("reddit", label, window) for label in labels]
    assert [c["inserted"] for c in counts] == [1, 0]
    reddit.replace(responses.GET, f"{REDDIT}/message/mentions", json=second)
    later = Window(window.end, window.end + dt.timedelta(minutes=5))
    counts = [run_partition("reddit", label, later) for label in labels]
    assert counts[0]["inserted"] == 1 and counts[0]["unchanged"] == 1
    # One request per inbox per run while a page holds everything new: 2 per account.
    assert len(_inbox_calls(reddit)) == 4
    with session_scope(sqlite_engine) as session:
        items = {i.external_id: i for i in session.scalars(select(Item))}
    assert set(items) == {"t1_m1", "t1_m2"}
    assert all(i.stream == "reddit.mentions" for i in items.values())
