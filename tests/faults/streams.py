"""Every stream of every platform behind `responses`, in the platform's own wire shape.

`tests.faults.platforms` fakes one stream per platform with paging and faults; this
module covers all twelve streams with one page each, so the poison-record suite and the
ingest fuzzer can put any record on any stream: X API v2 responses (`data`, `includes`,
`meta`) for mentions, own tweets and recent search; Reddit listings for subreddit search,
a submission's comment tree, the inbox (mentions, comment replies) and the account's own
comments; Graph API pages (`data`, `paging`) for posts, visitor posts, ratings and the
comments on a post. Only HTTP is fake: tweepy, praw/prawcore and facebook-sdk run for
real, and so do the streams, the gate and the warehouse.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import responses

from connectors.x import snowflake_at
from tests.faults.platforms import OAKFIELD_FB, OAKFIELD_X, RUN_AT, START

REDDIT_POST = "t3_pp0001"  # the submission whose comments reddit.comments walks
FACEBOOK_POST = f"{OAKFIELD_FB}_9999"  # the post whose comments facebook.comments walks
SCRIPT_APP = {"TRUSTWATCH_REDDIT_USERNAME": "MillbrookHighOfficial"}
SCRIPT_APP_PASSWORD = {"TRUSTWATCH_REDDIT_PASSWORD": "SENTINEL-REDDIT-PASSWORD-3c3c"}


def created(n: int) -> dt.datetime:
    """Distinct for every n, and always before RUN_AT (so never "from the future")."""
    return START + dt.timedelta(hours=n % 600, seconds=n // 600)


@dataclass(frozen=True)
class Spec:
    """One stream: its partition, URL, wire record n, the id it loads as, and its page."""

    stream: str
    label: str
    platform: str
    url: str  # a regex
    record: Callable[[int], Any]
    external_id: Callable[[int], str]
    text_path: tuple[str, ...]
    created_path: tuple[str, ...]
    created_value: Callable[[dt.datetime], Any]
    parent: str | None = None  # the label of the parent partition that must load first


# --- X ------------------------------------------------------------------------------------


def tweet_id(n: int) -> str:
    return str(snowflake_at(created(n)) + n)


def tweet(n: int) -> dict[str, Any]:
    return {
        "id": tweet_id(n),
        "text": f"@OakfieldPrimary question {n} about Oakfield Primary",
        "created_at": created(n).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "author_id": str(800 + n % 5),
        "conversation_id": tweet_id(n),
        "lang": "en",
        "edit_history_tweet_ids": [tweet_id(n)],
        "entities": {"mentions": [{"start": 0, "end": 16, "username": "OakfieldPrimary"}]},
    }


def x_page(records: list[Any], extra_users: list[Any] = ()) -> dict[str, Any]:
    users = {}
    for r in records:
        if isinstance(r, dict) and isinstance(r.get("author_id"), str):
            users[r["author_id"]] = {
                "id": r["author_id"],
                "username": f"parent_{r['author_id']}",
                "name": f"Parent {r['author_id']}",
            }
    body: dict[str, Any] = {
        "data": records,
        "includes": {"users": [*users.values(), *extra_users]},
        "meta": {"result_count": len(records)},
    }
    return body


# --- Reddit -------------------------------------------------------------------------------


def submission(n: int) -> dict[str, Any]:
    return {
        "kind": "t3",
        "data": {
            "id": f"ps{n:04d}",
            "name": f"t3_ps{n:04d}",
            "author": f"parent_{n % 5}",
            "title": f"Oakfield Primary question {n}",
            "selftext": "Anyone else?",
            "subreddit": "Riverbend",
            "created_utc": created(n).timestamp(),
            "permalink": f"/r/Riverbend/comments/ps{n:04d}/question/",
            "score": 3,
        },
    }


def comment(n: int, *, inbox: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"c{n:05d}",
        "name": f"t1_c{n:05d}",
        "author": f"parent_{n % 5}",
        "body": f"Oakfield Primary reply {n} for u/MillbrookHighOfficial",
        "parent_id": REDDIT_POST,
        "created_utc": created(n).timestamp(),
        "subreddit": "Riverbend",
    }
    if inbox:
        data["context"] = f"/r/Riverbend/comments/pp0001/question/c{n:05d}/?context=3"
    else:
        data["link_id"] = REDDIT_POST
        data["permalink"] = f"/r/Riverbend/comments/pp0001/question/c{n:05d}/"
        data["replies"] = ""
    return {"kind": "t1", "data": data}


def listing(children: list[Any]) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": None, "dist": len(children), "children": children}}


def comment_tree(children: list[Any]) -> list[dict[str, Any]]:
    """GET /comments/{article}: the submission's listing, then its comments' listing."""
    post = submission(0)
    post["data"].update(id="pp0001", name=REDDIT_POST)
    return [listing([post]), listing(children)]


# --- Facebook -----------------------------------------------------------------------------


def fb_post(n: int) -> dict[str, Any]:
    return {
        "id": f"{OAKFIELD_FB}_{9000 + n}",
        "message": f"Oakfield Primary news {n}",
        "created_time": created(n).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "from": {"id": str(5000 + n % 5), "name": f"Visitor {n % 5}"},
        "permalink_url": f"https://www.facebook.com/{OAKFIELD_FB}_{9000 + n}",
    }


def fb_comment(n: int) -> dict[str, Any]:
    return {
        "id": f"{9999}_{700 + n}",
        "message": f"Comment {n} on Oakfield Primary",
        "created_time": created(n).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "from": {"id": str(5000 + n % 5), "name": f"Visitor {n % 5}"},
        "permalink_url": f"https://www.facebook.com/{FACEBOOK_POST}?comment_id={700 + n}",
    }


def fb_rating(n: int) -> dict[str, Any]:
    return {
        "created_time": created(n).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "recommendation_type": "negative" if n % 2 else "positive",
        "review_text": f"Review {n} of Oakfield Primary",
        "rating": 1 + n % 5,
        "reviewer": {"id": str(6000 + n), "name": f"Reviewer {n}"},
        "open_graph_story": {"id": str(777000 + n)},
    }


def graph_page(records: list[Any]) -> dict[str, Any]:
    return {"data": records, "paging": {"cursors": {"before": "b0", "after": "a0"}}}


# --- the twelve streams -------------------------------------------------------------------

X_API = r"https://api\.twitter\.com/2"
REDDIT_API = r"https://oauth\.reddit\.com"
GRAPH = r"https://graph\.facebook\.com/v[\d.]+"


def _x(stream: str, label: str, url: str) -> Spec:
    return Spec(
        stream,
        label,
        "x",
        url,
        tweet,
        tweet_id,
        ("text",),
        ("created_at",),
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    )


def _reddit(stream: str, label: str, url: str, make: Callable[[int], Any], **kw: Any) -> Spec:
    text = ("data", "title") if stream == "reddit.search" else ("data", "body")
    return Spec(
        stream,
        label,
        "reddit",
        url,
        make,
        lambda n, m=make: m(n)["data"]["name"],
        text,
        ("data", "created_utc"),
        lambda t: t.timestamp(),
        **kw,
    )


def _graph(stream: str, label: str, url: str, make: Callable[[int], Any], **kw: Any) -> Spec:
    rating = stream == "facebook.ratings"
    return Spec(
        stream,
        label,
        "facebook",
        url,
        make,
        (lambda n: str(777000 + n)) if rating else (lambda n, m=make: m(n)["id"]),
        ("review_text",) if rating else ("message",),
        ("created_time",),
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        **kw,
    )


SPECS: dict[str, Spec] = {
    s.stream: s
    for s in [
        _x("x.mentions", "x:oakfield:mentions", rf"{X_API}/users/{OAKFIELD_X}/mentions.*"),
        _x("x.tweets", "x:oakfield:tweets", rf"{X_API}/users/{OAKFIELD_X}/tweets.*"),
        _x("x.search", "x:oakfield:search", rf"{X_API}/tweets/search/recent.*"),
        _reddit(
            "reddit.search",
            "reddit:Riverbend",
            rf"{REDDIT_API}/r/Riverbend/search.*",
            submission,
        ),
        _reddit(
            "reddit.comments",
            "reddit:Riverbend:comments",
            rf"{REDDIT_API}/comments/pp0001.*",
            comment,
            parent="reddit:Riverbend",
        ),
        _reddit(
            "reddit.mentions",
            "reddit:millbrook:mentions",
            rf"{REDDIT_API}/message/mentions.*",
            lambda n: comment(n, inbox=True),
        ),
        _reddit(
            "reddit.comment_replies",
            "reddit:millbrook:comment_replies",
            rf"{REDDIT_API}/message/comments.*",
            lambda n: comment(n, inbox=True),
        ),
        _reddit(
            "reddit.own_comments",
            "reddit:millbrook:own_comments",
            rf"{REDDIT_API}/user/MillbrookHighOfficial/comments.*",
            comment,
        ),
        _graph(
            "facebook.posts",
            "facebook:oakfield:posts",
            rf"{GRAPH}/{OAKFIELD_FB}/posts.*",
            fb_post,
        ),
        _graph(
            "facebook.visitor_posts",
            "facebook:oakfield:visitor_posts",
            rf"{GRAPH}/{OAKFIELD_FB}/visitor_posts.*",
            fb_post,
        ),
        _graph(
            "facebook.ratings",
            "facebook:oakfield:ratings",
            rf"{GRAPH}/{OAKFIELD_FB}/ratings.*",
            fb_rating,
        ),
        _graph(
            "facebook.comments",
            "facebook:oakfield:comments",
            rf"{GRAPH}/{FACEBOOK_POST}/comments.*",
            fb_comment,
            parent="facebook:oakfield:posts",
        ),
    ]
}


def page_body(spec: Spec, records: list[Any], *, extra_users: list[Any] = ()) -> Any:
    """The page a platform would send with `records` on it."""
    if spec.platform == "x":
        return x_page(records, extra_users)
    if spec.stream == "reddit.comments":
        return comment_tree(records)
    if spec.platform == "reddit":
        return listing(records)
    return graph_page(records)


def parent_body(spec: Spec) -> Any:
    """The parent partition's page: the one post whose comments the child walks."""
    recent = RUN_AT - dt.timedelta(days=1)  # inside the 14 days whose comments are read
    if spec.stream == "reddit.comments":
        post = submission(0)
        post["data"].update(id="pp0001", name=REDDIT_POST, created_utc=recent.timestamp())
        post["data"]["permalink"] = "/r/Riverbend/comments/pp0001/question/"
        return listing([post])
    post = fb_post(0)
    post.update(id=FACEBOOK_POST, created_time=recent.strftime("%Y-%m-%dT%H:%M:%S+0000"))
    return graph_page([post])


DEEPER_THAN_DECODER = "<value nested 5,000 levels deep>"  # placeholder in a record


def deep_json_text(depth: int = 5_000) -> str:
    """JSON text nesting `depth` levels (objects and arrays in turn): past the decoder."""
    return '{"k": [' * (depth // 2) + '"bottom"' + "]}" * (depth // 2)


@dataclass
class Server:
    """Serves one body per URL pattern (JSON text may hold NaN, as a hostile server's can)."""

    bodies: dict[str, Any] = field(default_factory=dict)
    requests: int = 0

    def set(self, url: str, body: Any) -> None:
        text = json.dumps(body, allow_nan=True)
        # Nesting past the JSON decoder's reach cannot be built as a Python value (the
        # encoder recurses too); it is spliced into the text where the placeholder sits.
        self.bodies[url] = text.replace(json.dumps(DEEPER_THAN_DECODER), deep_json_text())

    def register(self, mock: responses.RequestsMock) -> None:
        mock.add(
            responses.POST,
            "https://www.reddit.com/api/v1/access_token",
            json={
                "access_token": "SENTINEL-REDDIT-OAUTH-61f0",
                "token_type": "bearer",
                "expires_in": 86400,
                "scope": "*",
            },
        )
        for url in self.bodies:
            mock.add_callback(responses.GET, re.compile(url), callback=self._answer(url))

    def _answer(self, url: str) -> Callable[[requests.PreparedRequest], Any]:
        def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            self.requests += 1
            return 200, {"content-type": "application/json; charset=utf-8"}, self.bodies[url]

        return answer
