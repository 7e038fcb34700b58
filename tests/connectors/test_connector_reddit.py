"""Reddit specifics: OAuth through praw, comment trees of matching submissions, the
school account's inbox, and one identity for a comment seen through several endpoints."""

from __future__ import annotations

import datetime as dt
import re

import responses
from conftest import SECRET, Ingest
from connector_fakes import REDDIT_BASE, SENTINELS, T0
from sqlalchemy import select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import Account, Item, Quarantine, School
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.registry import Platform
from trustwatch.warehouse.items import load_items


def t1(cid: str, parent: str, author: str, body: str, minutes: int, replies=None) -> dict:
    return {
        "kind": "t1",
        "data": {
            "id": cid,
            "name": f"t1_{cid}",
            "author": author,
            "author_fullname": f"t2_{author[:6]}",
            "body": body,
            "created_utc": (T0 + dt.timedelta(minutes=minutes)).timestamp(),
            "parent_id": parent,
            "link_id": "t3_abc123",
            "subreddit": "Riverbend",
            "permalink": f"/r/Riverbend/comments/abc123/thread/{cid}/",
            "score": 4,
            "replies": {"kind": "Listing", "data": {"children": replies}} if replies else "",
        },
    }


def seed_submission(engine) -> None:
    post = CanonicalItem(
        platform=Platform.REDDIT,
        external_id="t3_abc123",
        kind=ItemKind.POST,
        stream="reddit.search",
        text="Millbrook High SEND support",
        created_at=T0,
        url="https://www.reddit.com/r/Riverbend/comments/abc123/thread/",
    )
    with session_scope(engine) as session:
        millbrook = session.scalar(select(School.school_id).where(School.school_key == "millbrook"))
        load_items(
            session,
            [post],
            pseudonym_secret=SECRET,
            school_ids_by_item={("reddit", "t3_abc123"): millbrook},
        )


def thread_payload() -> list:
    official = t1(
        "c2",
        "t1_c1",
        "MillbrookHighOfficial",
        "Please email the SENCo directly.",
        30,
        [t1("c3", "t1_c2", "parentA", "Done, thanks", 90)],
    )
    tree = [
        t1("c1", "t3_abc123", "parentA", "Has anyone had a reply from the SENCo?", 10, [official]),
        t1("c4", "t3_abc123", "[deleted]", "[deleted]", 20),
        t1("c5", "t3_abc123", "parentB", "u/MillbrookHighOfficial can you answer this?", 40),
        {
            "kind": "more",
            "data": {"count": 12, "children": ["c9", "c10"], "parent_id": "t3_abc123"},
        },
    ]
    submission = {"kind": "t3", "data": {"id": "abc123", "name": "t3_abc123", "title": "x"}}
    return [
        {"kind": "Listing", "data": {"children": [submission]}},
        {"kind": "Listing", "data": {"children": tree}},
    ]


def test_comment_tree_of_a_matching_submission(sqlite_engine, mock, ingest: Ingest) -> None:
    seed_submission(sqlite_engine)
    mock.add(responses.GET, re.compile(rf"{REDDIT_BASE}/comments/abc123"), json=thread_payload())

    summary = ingest(sqlite_engine, "reddit:Riverbend:comments")

    assert summary.ok, summary.results
    with session_scope(sqlite_engine) as session:
        school = session.scalar(select(School.school_id).where(School.school_key == "millbrook"))
        official = session.scalar(
            select(Account.account_id).where(Account.platform_account_id == "t2_mbhs01")
        )
        loaded = {r.external_id: r for r in session.scalars(select(Item)).all()}
    assert set(loaded) == {"t3_abc123", "t1_c1", "t1_c2", "t1_c3", "t1_c4", "t1_c5"}
    assert loaded["t1_c1"].kind == "comment" and loaded["t1_c2"].kind == "reply"
    assert loaded["t1_c2"].is_from_school and loaded["t1_c2"].account_id == official
    assert loaded["t1_c3"].account_id == official, "a reply to the school is addressed to it"
    assert loaded["t1_c5"].account_id == official, "a u/ mention is addressed to the school"
    assert loaded["t1_c1"].account_id is None
    assert loaded["t1_c4"].is_deleted and loaded["t1_c4"].author_key is None
    assert all(r.school_id == school for r in loaded.values())
    assert all(r.thread_root_external_id == "t3_abc123" for r in loaded.values())


def test_the_same_comment_from_the_tree_and_the_inbox_is_one_unchanged_row(
    sqlite_engine, mock, ingest: Ingest
) -> None:
    seed_submission(sqlite_engine)
    mock.add(responses.GET, re.compile(rf"{REDDIT_BASE}/comments/abc123"), json=thread_payload())
    reply = t1("c3", "t1_c2", "parentA", "Done, thanks", 90)["data"]
    inbox = {
        key: reply[key]
        for key in ("id", "name", "author", "body", "created_utc", "parent_id", "subreddit")
    }
    inbox.update(context=reply["permalink"] + "?context=3", was_comment=True, new=True)
    mock.add(
        responses.GET,
        f"{REDDIT_BASE}/message/comments",
        json={
            "kind": "Listing",
            "data": {"after": None, "children": [{"kind": "t1", "data": inbox}]},
        },
    )

    first = ingest(sqlite_engine, "reddit:Riverbend:comments", "reddit:millbrook:comment_replies")
    assert first.ok
    assert first.results[1].unchanged == 1, "the inbox copy differs from the tree's"
    again = ingest(sqlite_engine, "reddit:Riverbend:comments", "reddit:millbrook:comment_replies")
    assert again.total("updated") == 0 and again.total("inserted") == 0


def test_oauth_token_request_uses_the_script_app(sqlite_engine, mock, ingest: Ingest) -> None:
    mock.add(
        responses.GET,
        f"{REDDIT_BASE}/message/mentions",
        json={"kind": "Listing", "data": {"after": None, "children": []}},
    )
    assert ingest(sqlite_engine, "reddit:millbrook:mentions").ok
    token_call = next(c for c in mock.calls if c.request.url.endswith("/api/v1/access_token"))
    body = token_call.request.body
    assert "grant_type=password" in body and "username=MillbrookHighOfficial" in body
    assert token_call.request.headers["Authorization"].startswith("Basic ")
    inbox_call = next(c for c in mock.calls if "/message/mentions" in c.request.url)
    assert inbox_call.request.headers["Authorization"].startswith("bearer SENTINEL-reddit-access")


def test_inbox_needs_a_script_app(sqlite_engine, mock, ingest: Ingest, monkeypatch) -> None:
    monkeypatch.delenv("TRUSTWATCH_REDDIT_USERNAME")
    monkeypatch.delenv("TRUSTWATCH_REDDIT_PASSWORD")
    summary = ingest(sqlite_engine, "reddit:millbrook:mentions")
    assert not summary.ok
    assert "TRUSTWATCH_REDDIT_USERNAME" in summary.results[0].error
    assert SENTINELS["TRUSTWATCH_REDDIT_CLIENT_SECRET"] not in summary.results[0].error


def test_refused_app_credentials_are_a_credentials_error(sqlite_engine, mock, ingest) -> None:
    mock.replace(
        responses.POST,
        "https://www.reddit.com/api/v1/access_token",
        json={"error": "invalid_grant"},
        status=200,
    )
    summary = ingest(sqlite_engine, "reddit:Riverbend", "reddit:Riverbend:comments")
    assert not summary.ok
    assert "TRUSTWATCH_REDDIT_CLIENT_SECRET" in summary.results[0].error


def test_search_keeps_only_posts_that_name_a_school(sqlite_engine, mock, ingest) -> None:
    def post(n: int, title: str) -> dict:
        return {
            "kind": "t3",
            "data": {
                "id": f"p{n}",
                "name": f"t3_p{n}",
                "title": title,
                "selftext": "",
                "author": "someone",
                "created_utc": (T0 + dt.timedelta(minutes=n)).timestamp(),
                "subreddit": "Riverbend",
                "permalink": f"/r/Riverbend/comments/p{n}/t/",
            },
        }

    listing = [
        post(3, "Harbourside Academy open evening"),
        post(2, "High school choices"),
        post(1, "Oakfield Primary or Oakfield Academy?"),
    ]
    mock.add(
        responses.GET,
        f"{REDDIT_BASE}/r/Riverbend/search",
        json={"kind": "Listing", "data": {"after": None, "children": listing}},
    )
    summary = ingest(sqlite_engine, "reddit:Riverbend")
    assert summary.ok and summary.results[0].skipped == 1
    with session_scope(sqlite_engine) as session:
        rows = session.execute(
            select(Item.external_id, School.school_key).join(
                School, School.school_id == Item.school_id
            )
        ).all()
    assert dict(rows) == {"t3_p3": "harbourside", "t3_p1": "oakfield"}


def test_search_stops_at_the_cursor_even_on_pages_of_unrelated_posts(
    sqlite_engine, mock, ingest
) -> None:
    def post(n: int, title: str, hours: float) -> dict:
        return {
            "kind": "t3",
            "data": {
                "id": f"q{n}",
                "name": f"t3_q{n}",
                "title": title,
                "selftext": "",
                "author": "someone",
                "created_utc": (T0 + dt.timedelta(hours=hours)).timestamp(),
                "subreddit": "Riverbend",
                "permalink": f"/r/Riverbend/comments/q{n}/t/",
            },
        }

    pages = {
        None: [post(1, "Millbrook High parents' evening", 100)],
        "t3_q2": [post(2, "High street parking", 10), post(3, "Bus times", 9)],
        "t3_q9": [post(9, "Millbrook High is great", 1)],
    }
    after = {None: None, "t3_q2": "t3_q9", "t3_q9": None}
    requested: list[str | None] = []

    def serve(request):
        token = dict(re.findall(r"[?&](after)=([^&]+)", request.url)).get("after")
        requested.append(token)
        nxt = after[token]
        body = {"kind": "Listing", "data": {"after": nxt, "children": pages[token]}}
        return 200, {"content-type": "application/json"}, __import__("json").dumps(body)

    mock.add_callback(responses.GET, f"{REDDIT_BASE}/r/Riverbend/search", callback=serve)
    after[None] = "t3_q2"
    assert ingest(sqlite_engine, "reddit:Riverbend").ok  # bookmark: T0 + 100h
    requested.clear()
    # The next run: page 2 holds only unrelated (dropped) posts, all older than the bookmark
    # less the lookback. The walk must stop there, not read on into the archive.
    assert ingest(sqlite_engine, "reddit:Riverbend").ok
    assert requested == [None, "t3_q2"]


def test_a_thread_nested_past_the_cut_loads_and_quarantines_the_cut_replies(
    sqlite_engine, mock, ingest: Ingest
) -> None:
    """A 40-deep reply chain (5 JSON levels per reply) goes past connectors.deep_json's
    cut: the replies it holds are quarantined with the nesting reason, never dropped."""
    seed_submission(sqlite_engine)
    chain = None
    for level in reversed(range(40)):
        parent = f"t1_d{level - 1}" if level else "t3_abc123"
        chain = t1(f"d{level}", parent, "parentA", f"reply {level}", 10 + level, chain and [chain])
    payload = thread_payload()
    payload[1]["data"]["children"].append(chain)
    mock.add(responses.GET, re.compile(rf"{REDDIT_BASE}/comments/abc123"), json=payload)

    summary = ingest(sqlite_engine, "reddit:Riverbend:comments")

    assert summary.ok, summary.results
    with session_scope(sqlite_engine) as session:
        loaded = set(session.scalars(select(Item.external_id)))
        reasons = list(session.scalars(select(Quarantine.reason)))
    chain_loaded = {i for i in loaded if i.startswith("t1_d")}
    assert {"t1_c1", "t1_c5", "t1_d0", "t1_d20"} <= loaded
    assert 20 < len(chain_loaded) < 40  # the top of the chain, down to the cut
    assert len(reasons) == 1 and "nesting deeper than 128 levels" in reasons[0], reasons
