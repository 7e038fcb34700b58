"""Fake X, Reddit and Facebook servers behind `responses`, speaking the real JSON shapes.

Each fake holds a list of posts and serves them newest first in pages of `PAGE_SIZE`,
following the platform's own paging (X `next_token`/`since_id`, Reddit `after`, Graph
`paging.cursors.after`). A `FaultPlan` makes chosen pages fail: HTTP 429, HTTP 500, a
timeout, or a truncated JSON body, a given number of times before they succeed. Only the
network boundary is fake: tweepy, praw/prawcore and facebook-sdk run for real.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
import responses

from connectors.x import snowflake_at

PAGE_SIZE = 4
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
RUN_AT = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)

OAKFIELD_X = "1500000000000000001"
OAKFIELD_FB = "100000000000101"
FAULT_KINDS = ("http_429", "http_500", "timeout", "truncated_json")

# Sentinel credentials: the hygiene tests assert these never surface anywhere.
SENTINELS = {
    "TRUSTWATCH_X_BEARER_TOKEN": "SENTINEL-X-BEARER-7f3a9c1e",
    "TRUSTWATCH_REDDIT_CLIENT_ID": "SENTINEL-REDDIT-ID-22b8",
    "TRUSTWATCH_REDDIT_CLIENT_SECRET": "SENTINEL-REDDIT-SECRET-91dd",
    "TRUSTWATCH_REDDIT_USER_AGENT": "trustwatch-tests/1.0",
    "TRUSTWATCH_FACEBOOK_PAGE_TOKEN_OAKFIELD": "SENTINEL-FB-PAGE-TOKEN-5e01",
    "TRUSTWATCH_FACEBOOK_PAGE_TOKEN": "SENTINEL-FB-SHARED-TOKEN-a9c4",
}


@dataclass
class FaultPlan:
    """Which pages fail, how, and how many times before they answer."""

    faults: dict[int, tuple[str, int]] = field(default_factory=dict)  # page -> (kind, times)
    served: list[tuple[int, str]] = field(default_factory=list)  # (page, outcome) log

    def outcome(self, page: int) -> str | None:
        kind, times = self.faults.get(page, ("", 0))
        done = sum(1 for p, o in self.served if p == page and o != "ok")
        if kind and done < times:
            self.served.append((page, kind))
            return kind
        self.served.append((page, "ok"))
        return None


def _fault_response(kind: str, body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    if kind == "http_429":
        return 429, {"content-type": "application/json", "retry-after": "0"}, "{}"
    if kind == "http_500":
        return 500, {"content-type": "application/json"}, '{"error": "internal"}'
    if kind == "timeout":
        raise requests.exceptions.ReadTimeout("read timed out (injected)")
    if kind == "http_401":
        detail = {"title": "Unauthorized", "type": "about:blank", "status": 401}
        return 401, {"content-type": "application/json"}, json.dumps(detail)
    if kind == "truncated_json":
        text = json.dumps(body)
        return 200, {"content-type": "application/json"}, text[: len(text) // 2]
    raise ValueError(kind)


@dataclass
class Post:
    """One post as every fake platform needs it."""

    n: int
    created_at: dt.datetime
    author_id: str
    handle: str
    text: str


def make_posts(count: int, *, offset: int = 0) -> list[Post]:
    return [
        Post(
            n=offset + i,
            created_at=START + dt.timedelta(hours=6 * (offset + i)),
            author_id=str(800 + (offset + i) % 5),
            handle=f"parent_{(offset + i) % 5}",
            text=f"Oakfield Primary question number {offset + i} for @OakfieldPrimary",
        )
        for i in range(count)
    ]


class FakePlatform(ABC):
    """Base: newest-first paging over `posts` with a fault plan; subclasses shape JSON."""

    platform: str
    partition: str
    url_pattern: re.Pattern[str]
    method = responses.GET
    token_param: str = "after"

    def __init__(self, posts: list[Post], plan: FaultPlan | None = None) -> None:
        self.posts = posts
        self.plan = plan or FaultPlan()
        self.requests = 0
        self.authorizations: list[str] = []  # what the client really sent

    @abstractmethod
    def external_id(self, post: Post) -> str:
        """The item's external_id as the connector will store it."""

    def visible(self, query: dict[str, str]) -> list[Post]:
        return sorted(self.posts, key=lambda p: p.created_at, reverse=True)

    def page_index(self, query: dict[str, str]) -> int:
        token = query.get(self.token_param)
        return int(token.removeprefix("page")) if token else 0

    @abstractmethod
    def body(self, posts: list[Post], next_token: str | None) -> dict[str, Any]:
        """One page in the platform's JSON shape."""

    def callback(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.requests += 1
        self.authorizations.append(str(request.headers.get("Authorization", "")))
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        posts = self.visible(query)
        index = self.page_index(query)
        chunk = posts[index * PAGE_SIZE : (index + 1) * PAGE_SIZE]
        more = (index + 1) * PAGE_SIZE < len(posts)
        body = self.body(chunk, f"page{index + 1}" if more else None)
        kind = self.plan.outcome(index)
        if kind:
            return _fault_response(kind, body)
        return 200, {"content-type": "application/json; charset=utf-8"}, json.dumps(body)

    def register(self, mock: responses.RequestsMock) -> None:
        mock.add_callback(self.method, self.url_pattern, callback=self.callback)

    def expected_ids(self) -> set[str]:
        return {self.external_id(p) for p in self.posts}


class FakeX(FakePlatform):
    """GET /2/users/:id/mentions: tweets with `includes.users`, `meta.next_token`."""

    platform = "x"
    partition = "x:oakfield:mentions"
    url_pattern = re.compile(rf"https://api\.twitter\.com/2/users/{OAKFIELD_X}/mentions.*")
    token_param = "pagination_token"

    def external_id(self, post: Post) -> str:
        return str(snowflake_at(post.created_at) + post.n)

    def visible(self, query: dict[str, str]) -> list[Post]:
        since = int(query.get("since_id") or 0)
        return [p for p in super().visible(query) if int(self.external_id(p)) > since]

    def tweet(self, post: Post) -> dict[str, Any]:
        tweet_id = self.external_id(post)
        return {
            "id": tweet_id,
            "text": post.text,
            "created_at": post.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "author_id": post.author_id,
            "conversation_id": tweet_id,
            "lang": "en",
            "edit_history_tweet_ids": [tweet_id],
            "entities": {
                "mentions": [
                    {"start": 30, "end": 46, "username": "OakfieldPrimary", "id": OAKFIELD_X}
                ]
            },
        }

    def body(self, posts: list[Post], next_token: str | None) -> dict[str, Any]:
        if not posts:
            return {"meta": {"result_count": 0}}
        users: dict[str, dict[str, str]] = {}
        for p in posts:
            users[p.author_id] = {"id": p.author_id, "name": p.handle.title(), "username": p.handle}
        meta: dict[str, Any] = {
            "result_count": len(posts),
            "newest_id": self.external_id(posts[0]),
            "oldest_id": self.external_id(posts[-1]),
        }
        if next_token:
            meta["next_token"] = next_token
        return {
            "data": [self.tweet(p) for p in posts],
            "includes": {"users": list(users.values())},
            "meta": meta,
        }


class FakeReddit(FakePlatform):
    """GET /r/Riverbend/search (an OAuth listing); the token endpoint always answers."""

    platform = "reddit"
    partition = "reddit:Riverbend"
    url_pattern = re.compile(r"https://oauth\.reddit\.com/r/Riverbend/search.*")

    def external_id(self, post: Post) -> str:
        return f"t3_fk{post.n:04d}"

    def body(self, posts: list[Post], next_token: str | None) -> dict[str, Any]:
        children = [
            {
                "kind": "t3",
                "data": {
                    "id": f"fk{p.n:04d}",
                    "name": f"t3_fk{p.n:04d}",
                    "author": p.handle,
                    "author_fullname": f"t2_{p.author_id}",
                    "title": p.text,
                    "selftext": "",
                    "subreddit": "Riverbend",
                    "created_utc": p.created_at.timestamp(),
                    "permalink": f"/r/Riverbend/comments/fk{p.n:04d}/question/",
                    "score": 3,
                    "num_comments": 0,
                },
            }
            for p in posts
        ]
        return {
            "kind": "Listing",
            "data": {"after": next_token, "dist": len(children), "children": children},
        }

    def register(self, mock: responses.RequestsMock) -> None:
        mock.add(
            responses.POST,
            "https://www.reddit.com/api/v1/access_token",
            json={
                "access_token": "SENTINEL-REDDIT-OAUTH-ACCESS-61f0",
                "token_type": "bearer",
                "expires_in": 86400,
                "scope": "*",
            },
        )
        super().register(mock)


class FakeFacebook(FakePlatform):
    """GET /v21.0/{page-id}/posts with Graph paging (`cursors.after` and `next`)."""

    platform = "facebook"
    partition = "facebook:oakfield:posts"
    url_pattern = re.compile(rf"https://graph\.facebook\.com/v[\d.]+/{OAKFIELD_FB}/posts.*")

    def external_id(self, post: Post) -> str:
        return f"{OAKFIELD_FB}_{9000 + post.n}"

    def body(self, posts: list[Post], next_token: str | None) -> dict[str, Any]:
        data = [
            {
                "id": self.external_id(p),
                "message": p.text,
                "created_time": p.created_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "from": {"id": OAKFIELD_FB, "name": "Oakfield Primary Academy"},
                "permalink_url": f"https://www.facebook.com/{self.external_id(p)}",
            }
            for p in posts
        ]
        paging: dict[str, Any] = {"cursors": {"before": "b0", "after": next_token or "end"}}
        if next_token:
            paging["next"] = (
                f"https://graph.facebook.com/v21.0/{OAKFIELD_FB}/posts?after={next_token}"
            )
        return {"data": data, "paging": paging}


PLATFORMS: dict[str, Callable[..., FakePlatform]] = {
    "x": FakeX,
    "reddit": FakeReddit,
    "facebook": FakeFacebook,
}
