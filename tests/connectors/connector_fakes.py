"""Fake platform endpoints behind `responses`, speaking each platform's real JSON shapes.

A `StreamCase` describes one stream: the URL it calls, how a record and a page of that
platform look, which query parameter carries the page token, and how a record's
canonical id is spelled. `Server` serves pages keyed by token and can fail on demand
(429 with the platform's rate-limit header, 5xx, broken JSON). tweepy, praw/prawcore and
facebook-sdk all run for real; only the network is fake.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses

from connectors.x import snowflake_at

T0 = dt.datetime(2026, 11, 9, 9, 0, tzinfo=dt.UTC)
RUN_AT = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

SENTINELS = {
    "TRUSTWATCH_X_BEARER_TOKEN": "SENTINEL-x-bearer-0b7d4c2e9f",
    "TRUSTWATCH_REDDIT_CLIENT_ID": "SENTINEL-reddit-id-51c0",
    "TRUSTWATCH_REDDIT_CLIENT_SECRET": "SENTINEL-reddit-secret-8e2f7",
    "TRUSTWATCH_REDDIT_USER_AGENT": "trustwatch-tests/1.0 (by u/trustwatch)",
    "TRUSTWATCH_REDDIT_USERNAME": "MillbrookHighOfficial",
    "TRUSTWATCH_REDDIT_PASSWORD": "SENTINEL-reddit-password-3a9d",
    "TRUSTWATCH_FACEBOOK_PAGE_TOKEN_OAKFIELD": "SENTINEL-fb-oakfield-token-77e1",
    "TRUSTWATCH_FACEBOOK_PAGE_TOKEN": "SENTINEL-fb-shared-token-c4d9",
}
REDDIT_ACCESS_TOKEN = "SENTINEL-reddit-access-token-f00d"

OAKFIELD_X = "1500000000000000001"
OAKFIELD_FB = "100000000000101"
MILLBROOK_REDDIT = "MillbrookHighOfficial"
PARENT_POST = f"{OAKFIELD_FB}_900000000000001"
PARENT_SUBMISSION = "t3_abc123"


@dataclass
class Spec:
    """One record to serve: its number (ids derive from it), time and text."""

    n: int
    at: dt.datetime
    text: str = ""
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def spec(n: int, minutes: int = 0, text: str | None = None, **extra: Any) -> Spec:
    return Spec(n, T0 + dt.timedelta(minutes=minutes or n), text or f"message number {n}", **extra)


# --- X --------------------------------------------------------------------------------------


def x_id(s: Spec) -> str:
    return str(snowflake_at(s.at) + s.n)


def x_record(s: Spec, *, to_school: bool = True) -> dict[str, Any]:
    text = s.text
    tweet: dict[str, Any] = {
        "id": x_id(s),
        "text": text if len(text) <= 280 else text[:270] + "…",
        "author_id": str(1600000000000000000 + s.n),
        "created_at": s.at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "conversation_id": x_id(s),
        "edit_history_tweet_ids": [x_id(s)],
        "lang": "en",
    }
    if len(text) > 280:
        tweet["note_tweet"] = {"text": text}
    if to_school:
        tweet["entities"] = {
            "mentions": [{"start": 0, "end": 16, "username": "OakfieldPrimary", "id": OAKFIELD_X}]
        }
    return {**tweet, **s.extra}


def x_page(records: list[dict[str, Any]], next_token: str | None) -> dict[str, Any]:
    users = [
        {
            "id": r["author_id"],
            "name": f"Parent {r['author_id'][-3:]}",
            "username": f"p{r['author_id'][-3:]}",
        }
        for r in records
    ]
    meta: dict[str, Any] = {"result_count": len(records)}
    if records:
        meta.update(newest_id=records[0]["id"], oldest_id=records[-1]["id"])
    if next_token:
        meta["next_token"] = next_token
    page: dict[str, Any] = {"meta": meta}
    if records:
        page["data"] = records
        page["includes"] = {"users": users}
    return page


def x_rate_limit_headers(wait: float = 7) -> dict[str, str]:
    import time

    return {"x-rate-limit-reset": str(int(time.time() + wait)), "x-rate-limit-remaining": "0"}


# --- Reddit ---------------------------------------------------------------------------------


def reddit_t3(s: Spec) -> dict[str, Any]:
    data = {
        "id": f"s{s.n}",
        "name": f"t3_s{s.n}",
        "title": f"Millbrook High question {s.n}",
        "selftext": s.text,
        "author": f"parent{s.n}",
        "author_fullname": f"t2_p{s.n}",
        "created_utc": s.at.timestamp(),
        "subreddit": "Riverbend",
        "permalink": f"/r/Riverbend/comments/s{s.n}/millbrook_high_question/",
        "score": 3,
        "num_comments": 0,
    }
    if s.deleted:
        data.update(selftext="[removed]", removed_by_category="moderator")
    return {"kind": "t3", "data": {**data, **s.extra}}


def reddit_t1(s: Spec, *, inbox: bool = False) -> dict[str, Any]:
    permalink = f"/r/Riverbend/comments/abc123/thread/c{s.n}/"
    data: dict[str, Any] = {
        "id": f"c{s.n}",
        "name": f"t1_c{s.n}",
        "author": f"parent{s.n}",
        "body": s.text,
        "created_utc": s.at.timestamp(),
        "parent_id": "t3_abc123",
        "subreddit": "Riverbend",
    }
    if inbox:
        data.update(
            context=permalink + "?context=3", was_comment=True, new=True, type="username_mention"
        )
    else:
        data.update(permalink=permalink, link_id="t3_abc123", author_fullname=f"t2_p{s.n}", score=1)
    if s.deleted:
        data.update(body="[deleted]", author="[deleted]")
    return {"kind": "t1", "data": {**data, **s.extra}}


def reddit_listing(records: list[dict[str, Any]], next_token: str | None) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {"after": next_token, "before": None, "dist": len(records), "children": records},
    }


def reddit_token_response() -> dict[str, Any]:
    return {
        "access_token": REDDIT_ACCESS_TOKEN,
        "token_type": "bearer",
        "expires_in": 86400,
        "scope": "*",
    }


# --- Facebook -------------------------------------------------------------------------------


def fb_post(s: Spec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"{OAKFIELD_FB}_{800000000000000 + s.n}",
        "message": s.text,
        "created_time": s.at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "from": {"id": str(10000700000000 + s.n), "name": f"Parent {s.n}"},
        "permalink_url": f"https://www.facebook.com/{OAKFIELD_FB}/posts/{800000000000000 + s.n}",
    }
    if s.deleted:
        data.pop("message")
        data.pop("from")
    return {**data, **s.extra}


def fb_comment(s: Spec) -> dict[str, Any]:
    data = fb_post(s)
    data["id"] = f"900000000000001_{700000000000000 + s.n}"
    return data


def fb_rating(s: Spec) -> dict[str, Any]:
    return {
        "created_time": s.at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "recommendation_type": "negative" if s.n % 2 else "positive",
        "review_text": s.text,
        "reviewer": {"id": str(10000700000000 + s.n), "name": f"Parent {s.n}"},
        "open_graph_story": {"id": str(600000000000000 + s.n)},
        **s.extra,
    }


def fb_page(records: list[dict[str, Any]], next_token: str | None) -> dict[str, Any]:
    page: dict[str, Any] = {"data": records}
    if records:
        page["paging"] = {
            "cursors": {"before": "QVFIUmJlZAm9yZA", "after": next_token or "QVFIUmVuZAA"}
        }
        if next_token:
            page["paging"]["next"] = f"https://graph.facebook.com/v21.0/x/feed?after={next_token}"
    return page


# --- the stream table -----------------------------------------------------------------------


@dataclass(frozen=True)
class StreamCase:
    label: str  # the partition label in plan_partitions
    url: str  # a regex for the endpoint
    token_param: str
    record: Callable[[Spec], dict[str, Any]]
    page: Callable[[list[dict[str, Any]], str | None], dict[str, Any]]
    external_id: Callable[[Spec], str]
    rate_limit_headers: Callable[[], dict[str, str]] = lambda: {"retry-after": "3"}
    child: bool = False

    @property
    def platform(self) -> str:
        return self.label.split(":", 1)[0]

    @property
    def id(self) -> str:
        return self.label


X_BASE = "https://api.twitter.com/2"
REDDIT_BASE = "https://oauth.reddit.com"
FB_BASE = "https://graph.facebook.com/v21.0"

CASES = [
    StreamCase(
        "x:oakfield:mentions",
        rf"{X_BASE}/users/{OAKFIELD_X}/mentions",
        "pagination_token",
        x_record,
        x_page,
        x_id,
        x_rate_limit_headers,
    ),
    StreamCase(
        "x:oakfield:tweets",
        rf"{X_BASE}/users/{OAKFIELD_X}/tweets",
        "pagination_token",
        lambda s: x_record(s, to_school=False) | {"author_id": OAKFIELD_X},
        x_page,
        x_id,
        x_rate_limit_headers,
    ),
    StreamCase(
        "x:oakfield:search",
        rf"{X_BASE}/tweets/search/recent",
        "next_token",
        lambda s: x_record(s, to_school=False),
        x_page,
        x_id,
        x_rate_limit_headers,
    ),
    StreamCase(
        "reddit:Riverbend",
        rf"{REDDIT_BASE}/r/Riverbend/search",
        "after",
        reddit_t3,
        reddit_listing,
        lambda s: f"t3_s{s.n}",
    ),
    StreamCase(
        "reddit:millbrook:mentions",
        rf"{REDDIT_BASE}/message/mentions",
        "after",
        lambda s: reddit_t1(s, inbox=True),
        reddit_listing,
        lambda s: f"t1_c{s.n}",
    ),
    StreamCase(
        "reddit:millbrook:comment_replies",
        rf"{REDDIT_BASE}/message/comments",
        "after",
        lambda s: reddit_t1(s, inbox=True),
        reddit_listing,
        lambda s: f"t1_c{s.n}",
    ),
    StreamCase(
        "reddit:millbrook:own_comments",
        rf"{REDDIT_BASE}/user/{MILLBROOK_REDDIT}/comments",
        "after",
        lambda s: reddit_t1(s) | {"data": {**reddit_t1(s)["data"], "author": MILLBROOK_REDDIT}},
        reddit_listing,
        lambda s: f"t1_c{s.n}",
    ),
    StreamCase(
        "facebook:oakfield:posts",
        rf"{FB_BASE}/{OAKFIELD_FB}/posts",
        "after",
        fb_post,
        fb_page,
        lambda s: f"{OAKFIELD_FB}_{800000000000000 + s.n}",
    ),
    StreamCase(
        "facebook:oakfield:visitor_posts",
        rf"{FB_BASE}/{OAKFIELD_FB}/visitor_posts",
        "after",
        fb_post,
        fb_page,
        lambda s: f"{OAKFIELD_FB}_{800000000000000 + s.n}",
    ),
    StreamCase(
        "facebook:oakfield:ratings",
        rf"{FB_BASE}/{OAKFIELD_FB}/ratings",
        "after",
        fb_rating,
        fb_page,
        lambda s: str(600000000000000 + s.n),
    ),
    StreamCase(
        "facebook:oakfield:comments",
        rf"{FB_BASE}/{PARENT_POST}/comments",
        "after",
        fb_comment,
        fb_page,
        lambda s: f"900000000000001_{700000000000000 + s.n}",
        child=True,
    ),
]


class Server:
    """Serves a case's pages by token; `faults` are served first, in order, then pages.

    A fault is ("status", code, headers) or ("body", text) or ("forever", code).
    """

    def __init__(self, case: StreamCase, pages: list[list[Spec]]) -> None:
        self.case = case
        self.faults: list[tuple[Any, ...]] = []
        self.requests: list[dict[str, list[str]]] = []
        self.by_token: dict[str | None, dict[str, Any]] = {}
        for i, specs in enumerate(pages):
            token = None if i == 0 else f"tok{i}"
            following = f"tok{i + 1}" if i + 1 < len(pages) else None
            self.by_token[token] = case.page([case.record(s) for s in specs], following)

    def install(self, mock: responses.RequestsMock) -> None:
        mock.add_callback(responses.GET, re.compile(self.case.url), callback=self._serve)

    def _serve(self, request: Any) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlparse(request.url).query)
        self.requests.append(query)
        if self.faults:
            fault = self.faults[0]
            if fault[0] != "forever":
                self.faults.pop(0)
            if fault[0] in ("status", "forever"):
                headers = {
                    "content-type": "application/json",
                    **(fault[2] if len(fault) > 2 else {}),
                }
                return fault[1], headers, json.dumps({"error": {"message": "x", "code": 2}})
            return 200, {"content-type": "application/json"}, fault[1]
        token = (query.get(self.case.token_param) or [None])[0]
        page = self.by_token.get(token)
        if page is None:
            return 400, {"content-type": "application/json"}, json.dumps({"error": "bad token"})
        return 200, {"content-type": "application/json"}, json.dumps(page)

    @property
    def tokens_requested(self) -> list[str | None]:
        return [(q.get(self.case.token_param) or [None])[0] for q in self.requests]
