"""Reddit through `praw`: keyword searches in watched subreddits, the comments of the
matching submissions, and the school account's inbox mentions, comment replies and own
comments.

Every call goes through `praw.Reddit.request`, which returns Reddit's listing JSON as it
is, so the live API and the replay corpus feed the same parser. Listings come newest
first; a walk stops at the bookmark (less a lookback, since search indexes lag).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import praw
import prawcore
import requests

from connectors import credentials as creds
from connectors.base import (
    Connector,
    ConnectorError,
    FatalError,
    Page,
    PlannedPartition,
    RetriableError,
    Stream,
    classify_http_error,
    ident,
    optional_ident,
    parse_time,
    retry_after_from_headers,
)
from connectors.credentials import RedditCredentials
from connectors.deep_json import guard, is_cut
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.errors import CredentialsError
from trustwatch.registry import Platform

REMOVED = {"[removed]", "[deleted]"}
# The stable fields kept as the raw payload: identity and content, not volatile counters
# (score, ups, num_comments), so re-reading an unchanged item never rewrites its row, and
# the same comment seen through search and through the inbox is byte-for-byte the same.
# Inbox listings carry neither `permalink`, `link_id` nor `author_fullname`: the first
# two are derived from `context`, and authors are identified by their username (Reddit
# usernames are permanent and unique, and present on every endpoint).
KEEP = (
    "id",
    "name",
    "author",
    "title",
    "selftext",
    "body",
    "created_utc",
    "parent_id",
    "link_id",
    "subreddit",
    "permalink",
    "removed_by_category",
)


class _SingleAttempt(prawcore.sessions.FiniteRetryStrategy):
    """prawcore would retry 5xx itself, sleeping; retries live in connectors.base."""

    def __init__(self, retries: int = 0) -> None:
        object.__setattr__(self, "retries", 0)

    def _sleep_seconds(self) -> float | None:
        return None


class RedditApi:
    """The live API: a `praw.Reddit` (read-only app, or a script app for the inbox)."""

    def __init__(self, credentials: RedditCredentials) -> None:
        options: dict[str, Any] = {}
        if credentials.is_script_app:
            assert credentials.password is not None
            options = {
                "username": credentials.username,
                "password": credentials.password.get_secret_value(),
            }
        self.reddit = praw.Reddit(
            client_id=credentials.client_id,
            client_secret=credentials.client_secret.get_secret_value(),
            user_agent=credentials.user_agent,
            check_for_updates=False,
            check_for_async=False,
            # JSON nested past the decoder's reach: cut, not fatal (connectors.deep_json)
            requestor_kwargs={"session": guard(requests.Session())},
            **options,
        )
        self.can_read_inbox = credentials.is_script_app
        for core in (self.reddit._read_only_core, self.reddit._authorized_core):
            if core is not None and hasattr(core, "_retry_strategy_class"):
                core._retry_strategy_class = _SingleAttempt

    def get(self, path: str, params: dict[str, Any]) -> Any:
        return self.reddit.request(method="GET", path=path, params=params)

    def search(self, subreddit: str, query: str, *, after: str | None, limit: int) -> Any:
        params = {"q": query, "restrict_sr": "on", "sort": "new", "t": "all", "limit": limit}
        if after:
            params["after"] = after
        return self.get(f"/r/{subreddit}/search", params)

    def comments(self, submission_id: str) -> Any:
        article = submission_id.removeprefix("t3_")
        return self.get(f"/comments/{article}", {"sort": "new", "limit": 500})

    def inbox(self, which: str, *, after: str | None, limit: int) -> Any:
        params: dict[str, Any] = {"limit": limit, **({"after": after} if after else {})}
        return self.get(f"/message/{which}", params)

    def user_comments(self, username: str, *, after: str | None, limit: int) -> Any:
        params: dict[str, Any] = {
            "sort": "new",
            "limit": limit,
            **({"after": after} if after else {}),
        }
        return self.get(f"/user/{username}/comments", params)

    def check(self, username: str | None) -> str:
        if username and self.can_read_inbox:
            me = self.reddit.user.me()
            return f"signed in as u/{me.name}"
        self.get("/r/all/new", {"limit": 1})
        return "read-only access works"


def stable(record: dict[str, Any]) -> dict[str, Any]:
    data = record["data"]
    kept = {k: data[k] for k in KEEP if k in data and data[k] is not None}
    context = data.get("context")
    if context:
        kept.setdefault("permalink", context.split("?", 1)[0])
        parts = context.split("/")
        if "link_id" not in kept and "comments" in parts:
            kept["link_id"] = "t3_" + parts[parts.index("comments") + 1]
    return {"kind": record["kind"], "data": kept}


class RedditStream(Stream):
    """Per-API base: listing pages, prawcore's exceptions, the canonical thing."""

    platform = Platform.REDDIT
    replication_key = "created_at"
    is_sorted = False

    def classify_error(self, exc: BaseException) -> ConnectorError | None:
        if isinstance(exc, prawcore.exceptions.OAuthException):
            raise CredentialsError(
                "Reddit refused the app credentials. Fix: check TRUSTWATCH_REDDIT_CLIENT_ID, "
                "TRUSTWATCH_REDDIT_CLIENT_SECRET (and username/password for a script app)."
            ) from None
        if isinstance(exc, prawcore.exceptions.ResponseException):
            response = exc.response
            status = response.status_code
            if isinstance(exc, prawcore.exceptions.BadJSON):
                return RetriableError("malformed JSON from Reddit", body=response.text)
            if status == 401 and "access_token" in response.url:
                raise CredentialsError(
                    "Reddit refused the app credentials (HTTP 401 on the token request). "
                    "Fix: check TRUSTWATCH_REDDIT_CLIENT_ID and TRUSTWATCH_REDDIT_CLIENT_SECRET."
                ) from None
            if status in (429, 500, 502, 503, 504, 520, 522):
                return RetriableError(
                    f"Reddit HTTP {status}",
                    status=status,
                    retry_after=retry_after_from_headers(response.headers),
                )
            return FatalError(f"Reddit HTTP {status} for {response.request.path_url.split('?')[0]}")
        if isinstance(exc, prawcore.exceptions.RequestException):
            return classify_http_error(exc.original_exception) or RetriableError(
                f"Reddit request failed ({type(exc.original_exception).__name__})"
            )
        return classify_http_error(exc)

    @staticmethod
    def listing_page(listing: dict[str, Any]) -> Page:
        data = listing["data"]
        children = data.get("children") or []
        # A child that is not an object (a `null` in the listing) is passed on as a record:
        # its parse fails and it is quarantined while the rest of the page loads.
        records = [c for c in children if not isinstance(c, dict) or c.get("kind") in ("t1", "t3")]
        after = data.get("after")
        return Page(records, after if isinstance(after, str) else None)

    def school_account(self, author: str | None) -> str | None:
        """The registry account id of a school's Reddit username, if it is one."""
        return self.context.school_handles.get((author or "").lower())

    def parse_record(self, raw: dict[str, Any]) -> CanonicalItem | None:
        record = stable(raw)
        data = record["data"]
        fullname = optional_ident(data.get("name")) or f"{record['kind']}_{ident(data['id'])}"
        body = data.get("body") if record["kind"] == "t1" else None
        selftext = data.get("selftext") or ""
        deleted = (
            (body or "").strip() in REMOVED
            or selftext.strip() in REMOVED
            or bool(data.get("removed_by_category"))
        )
        if body is not None:
            text = "" if deleted else body
        else:  # a removed submission keeps its title; only the body is gone
            parts = (data.get("title"), "" if deleted else selftext)
            text = "\n\n".join(part for part in parts if part)
        author = optional_ident(data.get("author"))
        author_id = author if author and author not in REMOVED else None
        parent = optional_ident(data.get("parent_id"))
        kind = ItemKind.POST
        if record["kind"] == "t1":
            kind = ItemKind.COMMENT if (parent or "").startswith("t3_") else ItemKind.REPLY
        account = self.school_account(author_id) or self.addressed_to(data)
        item = CanonicalItem(
            platform=Platform.REDDIT,
            external_id=fullname,
            kind=kind,
            stream=self.name,
            account_platform_id=account,
            parent_external_id=parent,
            thread_root_external_id=optional_ident(data.get("link_id")) or fullname,
            author_platform_id=author_id,
            author_handle=author_id,
            author_profile_url=f"https://www.reddit.com/user/{author}" if author_id else None,
            is_from_school=self.school_account(author_id) is not None,
            text=text,
            created_at=parse_time(float(data["created_utc"])),
            url=f"https://www.reddit.com{data['permalink']}" if data.get("permalink") else None,
            is_deleted=deleted,
            raw=record,
        )
        return item

    def addressed_to(self, data: dict[str, Any]) -> str | None:
        """The school account a comment speaks to: one it mentions by u/name."""
        text = (data.get("body") or "").lower()
        for handle, account in self.context.school_handles.items():
            if f"u/{handle}" in text:
                return account
        return None

    def post_process(self, item: CanonicalItem) -> CanonicalItem | None:
        return item


class RedditSearch(RedditStream):
    """Submissions in a watched subreddit that name a school (GET /r/{sub}/search)."""

    name: ClassVar[str] = "reddit.search"
    lookback: ClassVar[dt.timedelta] = dt.timedelta(hours=2)

    def fetch_page(self, token: str | None, *, bookmark: Any, limit: int) -> Page:
        options = self.partition.options
        return self.listing_page(
            self.api.search(options["subreddit"], options["query"], after=token, limit=limit)
        )

    def school_key_for(self, item: CanonicalItem) -> str | None:
        text = item.text.lower()
        for keyword, school in self.partition.options["keywords"].items():
            if keyword.lower() in text:
                return school
        return None

    def post_process(self, item: CanonicalItem) -> CanonicalItem | None:
        # Reddit search matches words loosely; keep what names a school (or is removed).
        return item if item.is_deleted or self.school_key_for(item) else None


class RedditComments(RedditStream):
    """Comments on the matching submissions (GET /comments/{id}); child of search."""

    name: ClassVar[str] = "reddit.comments"
    is_child: ClassVar[bool] = True

    def fetch_page(self, token: str | None, *, bookmark: Any, limit: int) -> Page:
        assert self.parent is not None
        listings = self.api.comments(self.parent.external_id)
        records: list[dict[str, Any]] = []
        self._authors: dict[str, str] = {}

        # Depth first without recursion: a thread nested thousands deep cannot raise
        # RecursionError. A comment without `data` (or not an object) is passed on as it
        # is, so it is quarantined alone instead of failing the whole thread.
        pending = list(reversed(listings[1]["data"].get("children") or []))
        while pending:
            child = pending.pop()
            if isinstance(child, dict) and child.get("kind") not in ("t1", None):
                continue  # "more" stubs: deeper replies arrive once they surface
            if not isinstance(child, dict) or not isinstance(child.get("data"), dict):
                records.append(child)
                continue
            data = dict(child["data"])
            replies = data.pop("replies", None)
            name = data.get("name")
            if isinstance(name, str):
                self._authors[name] = str(data.get("author") or "")
            records.append({"kind": "t1", "data": data})
            if isinstance(replies, dict) and isinstance(replies.get("data"), dict):
                replies = replies["data"].get("children") or []
            if is_cut(replies):  # cut for depth (connectors.deep_json): quarantined, not lost
                records.append(replies)
            elif isinstance(replies, list):
                pending.extend(reversed(replies))
        return Page(records, None)

    def addressed_to(self, data: dict[str, Any]) -> str | None:
        parent_author = getattr(self, "_authors", {}).get(data.get("parent_id") or "")
        return self.school_account(parent_author) or super().addressed_to(data)


class RedditInbox(RedditStream):
    """The school account's inbox: mentions of u/name, and replies to its comments."""

    box: ClassVar[str]

    def addressed_to(self, data: dict[str, Any]) -> str | None:
        return self.partition.account_id

    def fetch_page(self, token: str | None, *, bookmark: Any, limit: int) -> Page:
        if not getattr(self.api, "can_read_inbox", False):
            raise FatalError(
                f"reading the inbox of u/{self.partition.handle} needs a script app: set "
                "TRUSTWATCH_REDDIT_USERNAME and TRUSTWATCH_REDDIT_PASSWORD for that account"
            )
        return self.listing_page(self.api.inbox(self.box, after=token, limit=limit))


class RedditMentions(RedditInbox):
    name: ClassVar[str] = "reddit.mentions"
    box: ClassVar[str] = "mentions"


class RedditCommentReplies(RedditInbox):
    name: ClassVar[str] = "reddit.comment_replies"
    box: ClassVar[str] = "comments"


class RedditOwnComments(RedditStream):
    """The school account's own comments (its answers: needed for response times)."""

    name: ClassVar[str] = "reddit.own_comments"

    def fetch_page(self, token: str | None, *, bookmark: Any, limit: int) -> Page:
        handle = self.partition.handle
        return self.listing_page(self.api.user_comments(handle, after=token, limit=limit))


SEARCH_STREAMS: list[type[RedditStream]] = [RedditSearch, RedditComments]
ACCOUNT_STREAMS: list[type[RedditStream]] = [
    RedditMentions,
    RedditCommentReplies,
    RedditOwnComments,
]


class RedditConnector(Connector):
    """Per school account: inbox and own comments; per watched subreddit: one search for
    every school's keywords, then the comments of what it found."""

    platform = Platform.REDDIT

    def partitions(self, registry: Any) -> list[PlannedPartition]:
        out = []
        subreddits: dict[str, dict[str, str]] = {}  # subreddit -> keyword -> school key
        for school in registry.schools:
            for acct in school.accounts:
                if acct.platform is Platform.REDDIT:
                    fields = {"school_key": school.key, "account_id": acct.account_id}
                    for cls in ACCOUNT_STREAMS:
                        label = f"reddit:{school.key}:{cls.name.split('.')[1]}"
                        out.append(self.plan(cls, label, handle=acct.handle, **fields))
            for sub in school.watch.subreddits:
                for keyword in school.watch.keywords:
                    subreddits.setdefault(sub, {})[keyword] = school.key
        for sub, keywords in subreddits.items():
            query = " OR ".join(f'"{k}"' for k in keywords)
            options = {"subreddit": sub, "query": query, "keywords": keywords}
            out.append(self.plan(RedditSearch, f"reddit:{sub}", options=options))
            out.append(self.plan(RedditComments, f"reddit:{sub}:comments", options=options))
        return out

    def live_api(self, partition: Any, registry: Any, credentials: Any) -> RedditApi:
        return RedditApi(creds.reddit_credentials(credentials))

    def replay_api(self, corpus: Any, as_of: dt.datetime) -> Any:
        from connectors.replay import ReplayRedditApi

        return ReplayRedditApi(corpus, as_of)


CONNECTOR = RedditConnector()
