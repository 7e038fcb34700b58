"""The replay source: the bundled corpus served through the same API surface as the live
clients, so the same streams and parsers run on it.

The corpus (`corpus/`, written by `build_corpus.py`) is stored as each platform's own wire
pages: X API v2 responses (`data`/`includes`/`meta`), Graph API pages (`data`/`paging`)
and Reddit listings (`kind`/`data`/`children`). The replay APIs read every page, then
answer each call the way the platform would at the simulated moment `as_of`: only items
created at or before it are visible, newest first, paged with opaque tokens, with the
same `since_id`/`after`/`limit` semantics. Replaying hour by hour (the Airflow demo)
therefore walks the corpus as the live system would have seen it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import defaultdict
from functools import cached_property
from pathlib import Path
from typing import Any

from connectors.base import parse_time

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


def _pages(folder: Path) -> list[Any]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def _terms(query: str) -> tuple[list[str], list[str]]:
    """The OR-ed terms and the excluded terms of a simple search query."""
    inner = query[query.find("(") + 1 : query.find(")")] if "(" in query else query
    terms = [t.strip().strip('"').lower() for t in inner.split(" OR ") if t.strip()]
    rest = query[query.find(")") + 1 :] if ")" in query else ""
    excluded = [t[1:].lower() for t in rest.split() if t.startswith("-")]
    return terms, excluded


def _token(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _untoken(token: str) -> str:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()


class ReplayCorpus:
    """All pages of the corpus, indexed once per process."""

    def __init__(self, root: Path = CORPUS_DIR) -> None:
        self.root = root

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.root / "manifest.json").read_text(encoding="utf-8"))

    @property
    def ends_at(self) -> dt.datetime:
        return parse_time(self.manifest["ends_at"])

    # X: endpoint pools of tweets plus every user object seen.
    @cached_property
    def x(self) -> tuple[dict[tuple[str, str], list[dict[str, Any]]], dict[str, dict[str, Any]]]:
        pools: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        users: dict[str, dict[str, Any]] = {}
        base = self.root / "x"
        for folder in sorted(p for p in base.glob("*/*") if p.is_dir()):
            key = (folder.parent.name, folder.name)  # (user id or "search", endpoint)
            for page in _pages(folder):
                pools[key].extend(page.get("data") or [])
                for user in (page.get("includes") or {}).get("users", []):
                    users[user["id"]] = user
        return dict(pools), users

    @cached_property
    def reddit_listings(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        pools: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for folder in sorted(p for p in (self.root / "reddit").glob("*/*") if p.is_dir()):
            if folder.parent.name == "comments":
                continue
            for page in _pages(folder):
                pools[(folder.parent.name, folder.name)].extend(page["data"]["children"])
        return dict(pools)

    def reddit_thread(self, article: str) -> list[Any] | None:
        path = self.root / "reddit" / "comments" / f"{article}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    @cached_property
    def facebook(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        pools: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for folder in sorted(p for p in (self.root / "facebook").glob("*/*") if p.is_dir()):
            for page in _pages(folder):
                pools[(folder.parent.name, folder.name)].extend(page.get("data") or [])
        return dict(pools)

    def count(self) -> int:
        return int(self.manifest["items"])


class _Replay:
    def __init__(self, corpus: ReplayCorpus, as_of: dt.datetime | None) -> None:
        self.corpus = corpus
        self.as_of = as_of or corpus.ends_at

    def check(self, *_: Any) -> str:
        return f"replay corpus ({self.corpus.count()} items), as of {self.as_of.isoformat()}"


class ReplayXApi(_Replay):
    """`XApi`'s methods over the corpus, returning X API v2 JSON pages."""

    def _page(
        self, pool: list[dict[str, Any]], since_id: int | None, token: str | None, size: int
    ) -> dict[str, Any]:
        visible = [
            t
            for t in pool
            if parse_time(t["created_at"]) <= self.as_of
            and (since_id is None or int(t["id"]) > int(since_id))
        ]
        visible.sort(key=lambda t: int(t["id"]), reverse=True)
        if token:
            below = int(_untoken(token))
            visible = [t for t in visible if int(t["id"]) < below]
        chunk = visible[:size]
        _, users = self.corpus.x
        authors = {t["author_id"] for t in chunk}
        response: dict[str, Any] = {"meta": {"result_count": len(chunk)}}
        if chunk:
            response["data"] = chunk
            response["includes"] = {"users": [users[a] for a in sorted(authors) if a in users]}
            response["meta"].update(newest_id=chunk[0]["id"], oldest_id=chunk[-1]["id"])
            if len(visible) > size:
                response["meta"]["next_token"] = _token(chunk[-1]["id"])
        return response

    def mentions(self, user_id: str, *, since_id: Any, token: Any, max_results: int):
        return self._page(
            self.corpus.x[0].get((user_id, "mentions"), []), since_id, token, max_results
        )

    def user_tweets(self, user_id: str, *, since_id: Any, token: Any, max_results: int):
        return self._page(
            self.corpus.x[0].get((user_id, "tweets"), []), since_id, token, max_results
        )

    def search(self, query: str, *, since_id: Any, token: Any, max_results: int):
        terms, excluded = _terms(query)
        _, users = self.corpus.x
        pool = []
        for tweet in self.corpus.x[0].get(("search", "recent"), []):
            text = tweet["text"].lower()
            author = users.get(tweet["author_id"], {}).get("username", "").lower()
            if not any(term in text for term in terms):
                continue
            if any(
                (ex.startswith("from:") and author == ex[5:]) or (ex.startswith("@") and ex in text)
                for ex in excluded
            ):
                continue
            pool.append(tweet)
        return self._page(pool, since_id, token, max(10, max_results))


class ReplayRedditApi(_Replay):
    """`RedditApi`'s methods over the corpus, returning Reddit listing JSON."""

    can_read_inbox = True

    def _listing(self, pool: list[dict[str, Any]], after: str | None, limit: int) -> dict:
        visible = [c for c in pool if float(c["data"]["created_utc"]) <= self.as_of.timestamp()]
        visible.sort(key=lambda c: (c["data"]["created_utc"], c["data"]["name"]), reverse=True)
        if after:
            names = [c["data"]["name"] for c in visible]
            visible = visible[names.index(after) + 1 :] if after in names else []
        chunk = visible[:limit]
        more = len(visible) > limit
        return {
            "kind": "Listing",
            "data": {
                "after": chunk[-1]["data"]["name"] if more and chunk else None,
                "before": None,
                "dist": len(chunk),
                "children": chunk,
            },
        }

    def search(self, subreddit: str, query: str, *, after: str | None, limit: int):
        terms, _ = _terms(query)
        pool = [
            c
            for c in self.corpus.reddit_listings.get((f"r_{subreddit}", "search"), [])
            if any(
                t in (c["data"].get("title", "") + " " + c["data"].get("selftext", "")).lower()
                for t in terms
            )
        ]
        return self._listing(pool, after, limit)

    def comments(self, submission_id: str):
        article = submission_id.removeprefix("t3_")
        thread = self.corpus.reddit_thread(article)
        if thread is None:
            return [self._listing([], None, 1), self._listing([], None, 1)]
        cutoff = self.as_of.timestamp()

        def prune(children: list[dict[str, Any]]) -> list[dict[str, Any]]:
            kept = []
            for child in children:
                data = dict(child["data"])
                if child["kind"] == "t1" and float(data["created_utc"]) > cutoff:
                    continue
                if isinstance(data.get("replies"), dict):
                    replies = prune(data["replies"]["data"]["children"])
                    data["replies"] = (
                        {
                            "kind": "Listing",
                            "data": {**data["replies"]["data"], "children": replies},
                        }
                        if replies
                        else ""
                    )
                kept.append({"kind": child["kind"], "data": data})
            return kept

        return [
            thread[0],
            {
                "kind": "Listing",
                "data": {**thread[1]["data"], "children": prune(thread[1]["data"]["children"])},
            },
        ]

    def inbox(self, which: str, *, after: str | None, limit: int):
        pool: list[dict[str, Any]] = []
        for (owner, box), children in self.corpus.reddit_listings.items():
            if owner.startswith("inbox_") and box == which:
                pool.extend(children)
        return self._listing(pool, after, limit)

    def user_comments(self, username: str, *, after: str | None, limit: int):
        pool = self.corpus.reddit_listings.get((f"user_{username}", "comments"), [])
        return self._listing(pool, after, limit)


class ReplayFacebookApi(_Replay):
    """`FacebookApi.edge` over the corpus, returning Graph API pages."""

    def edge(self, node: str, edge: str, params: dict[str, Any]) -> dict[str, Any]:
        pool = self.corpus.facebook.get((node, edge), [])
        visible = [o for o in pool if parse_time(o["created_time"]) <= self.as_of]
        visible.sort(key=lambda o: (o["created_time"], o.get("id", "")), reverse=True)
        if params.get("after"):
            position = int(_untoken(params["after"]))
            visible = visible[position:]
            offset = position
        else:
            offset = 0
        limit = int(params.get("limit", 25))
        chunk = visible[:limit]
        page: dict[str, Any] = {"data": chunk}
        if chunk:
            cursors = {"before": _token(str(offset)), "after": _token(str(offset + len(chunk)))}
            page["paging"] = {"cursors": cursors}
            if len(visible) > limit:
                page["paging"]["next"] = (
                    f"https://graph.facebook.com/v21.0/{node}/{edge}?limit={limit}"
                    f"&after={cursors['after']}"
                )
        return page
