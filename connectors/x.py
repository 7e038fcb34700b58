"""X (Twitter) API v2 through `tweepy.Client`: mentions, the school's own posts, search.

Replication key: the tweet id (a snowflake, so time-ordered); pages come newest first,
so the bookmark (`since_id`) is only moved once a walk has finished, capped at the
snowflake of the run start. Reads per run are capped by the `Budget` (X bills reads).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import tweepy

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
    first,
    ident,
    optional_ident,
    parse_time,
    retry_after_from_headers,
)
from connectors.credentials import XCredentials
from connectors.deep_json import guard
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.errors import CredentialsError
from trustwatch.registry import Platform

TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "note_tweet",
    "entities",
    "lang",
]
USER_FIELDS = ["username", "name"]
EXPANSIONS = ["author_id"]
TWITTER_EPOCH_MS = 1288834974657


def snowflake_at(moment: dt.datetime) -> int:
    """The smallest tweet id X could have issued at `moment`."""
    return max(0, int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22


def search_query(keywords: list[str], hashtags: list[str], handle: str | None) -> str:
    """Recent-search query: the school's terms, minus its own posts and direct mentions
    (those come through the account's own streams) and retweets."""
    terms = [f'"{k}"' if " " in k else k for k in keywords] + list(hashtags)
    query = "(" + " OR ".join(terms) + ")"
    if handle:
        query += f" -from:{handle} -@{handle}"
    return query + " -is:retweet"


class XApi:
    """The live API: one `tweepy.Client` returning plain v2 JSON (dicts)."""

    def __init__(self, credentials: XCredentials) -> None:
        self.client = tweepy.Client(
            bearer_token=credentials.bearer_token.get_secret_value(),
            return_type=dict,
            wait_on_rate_limit=False,  # waits belong to connectors.base.RetryPolicy
        )
        guard(self.client.session)  # JSON nested past the decoder's reach: cut, not fatal

    def _params(self, since_id: int | None, max_results: int) -> dict[str, Any]:
        return {
            "since_id": since_id,
            "max_results": max_results,
            "expansions": EXPANSIONS,
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
        }

    def mentions(self, user_id: str, *, since_id: int | None, token: str | None, max_results: int):
        params = self._params(since_id, max_results)
        return self.client.get_users_mentions(user_id, pagination_token=token, **params)

    def user_tweets(
        self, user_id: str, *, since_id: int | None, token: str | None, max_results: int
    ):
        params = self._params(since_id, max_results)
        return self.client.get_users_tweets(user_id, pagination_token=token, **params)

    def search(self, query: str, *, since_id: int | None, token: str | None, max_results: int):
        params = self._params(since_id, max(10, max_results))
        return self.client.search_recent_tweets(
            query, next_token=token, sort_order="recency", **params
        )

    def check(self, account_id: str | None) -> str:
        if account_id is None:  # app-only: a cheap read of a well-known account
            account_id = "783214"
        user = self.client.get_user(id=account_id)["data"]
        return f"reads @{user['username']}"


class XStream(Stream):
    """Per-API base: X's page shape, its exceptions, and the canonical tweet."""

    platform = Platform.X
    replication_key = "external_id"
    is_sorted = False
    min_page_size = 5

    def classify_error(self, exc: BaseException) -> ConnectorError | None:
        if isinstance(exc, tweepy.errors.Unauthorized):
            raise CredentialsError(
                "X refused the bearer token (HTTP 401). Fix: check TRUSTWATCH_X_BEARER_TOKEN "
                "(or the Airflow connection 'trustwatch_x')."
            ) from None
        if isinstance(exc, tweepy.errors.TooManyRequests | tweepy.errors.TwitterServerError):
            response = exc.response
            return RetriableError(
                f"X API HTTP {response.status_code}",
                status=response.status_code,
                retry_after=retry_after_from_headers(response.headers),
            )
        if isinstance(exc, tweepy.errors.HTTPException):
            detail = "; ".join(exc.api_messages) or exc.response.reason
            return FatalError(f"X API HTTP {exc.response.status_code}: {detail}")
        return classify_http_error(exc)

    def signpost(self) -> Any:
        return snowflake_at(self.context.run_started_at)

    @staticmethod
    def page_from(response: dict[str, Any]) -> Page:
        """Split a v2 page into one self-contained record per tweet (tweet + its author)."""
        includes = response.get("includes")
        listed = includes.get("users") if isinstance(includes, dict) else None
        # An expansion without an id (or not an object) names no one: the tweets it was
        # meant for load without an author rather than failing the page.
        users = {
            str(u["id"]): u
            for u in (listed if isinstance(listed, list) else [])
            if isinstance(u, dict) and isinstance(u.get("id"), str | int)
        }
        data = response.get("data")
        records = []
        for tweet in data if isinstance(data, list) else []:
            # A tweet that is not an object still becomes a record: its parse fails and
            # it is quarantined with the reason, rather than vanishing or failing the page.
            author_id = tweet.get("author_id") if isinstance(tweet, dict) else None
            author = users.get(str(author_id)) if isinstance(author_id, str | int) else None
            record: dict[str, Any] = {"data": tweet}
            if author is not None:
                record["includes"] = {"users": [author]}
            records.append(record)
        meta = response.get("meta")
        token = meta.get("next_token") if isinstance(meta, dict) else None
        return Page(records, token if isinstance(token, str) else None)

    def default_account(self) -> str | None:
        return self.partition.account_id

    def parse_record(self, raw: dict[str, Any]) -> CanonicalItem | None:
        tweet = raw["data"]
        tweet_id, author_id = ident(tweet["id"]), ident(tweet["author_id"])
        users = (raw.get("includes") or {}).get("users") or []
        author = first(u for u in users if isinstance(u, dict) and str(u.get("id")) == author_id)
        author = author or {}
        text = (tweet.get("note_tweet") or {}).get("text") or tweet.get("text", "")
        refs = tweet.get("referenced_tweets") or []
        parent = first(ident(r["id"]) for r in refs if r.get("type") == "replied_to")
        schools = self.context.school_account_ids
        handles = self.context.school_handles
        mentioned = [
            optional_ident(m.get("id")) or handles.get(str(m.get("username", "")).lower(), "")
            for m in (tweet.get("entities") or {}).get("mentions", [])
        ]
        reply_to = optional_ident(tweet.get("in_reply_to_user_id")) or ""
        if author_id in schools:
            account, kind = author_id, ItemKind.REPLY if parent else ItemKind.POST
        elif reply_to in schools:
            account, kind = reply_to, ItemKind.COMMENT
        else:
            account = first(m for m in mentioned if m in schools) or self.default_account()
            kind = ItemKind.MENTION
        username = author.get("username")
        return CanonicalItem(
            platform=Platform.X,
            external_id=tweet_id,
            kind=kind,
            stream=self.name,
            account_platform_id=account,
            parent_external_id=parent,
            thread_root_external_id=optional_ident(tweet.get("conversation_id")) or tweet_id,
            author_platform_id=author_id,
            author_handle=username,
            author_display_name=author.get("name"),
            author_profile_url=f"https://x.com/{username}" if username else None,
            is_from_school=author_id in schools,
            text=text,
            language=tweet.get("lang"),
            created_at=parse_time(tweet["created_at"]),
            url=f"https://x.com/i/web/status/{tweet_id}",
            raw=raw,
        )


class XMentions(XStream):
    """Posts that mention the school account (GET /2/users/:id/mentions)."""

    name: ClassVar[str] = "x.mentions"

    def fetch_page(self, token: str | None, *, bookmark: Any, limit: int) -> Page:
        return self.page_from(
            self.api.mentions(
                self.partition.account_id, since_id=bookmark, token=token, max_results=limit
            )
        )


class XTweets(XStream):
    """The school's own posts and replies (GET /2/users/:id/tweets): response times."""

    name: ClassVar[str] = "x.tweets"

    def fetch_page(self, token: str | None, *, bookmark: Any, limit: int) -> Page:
        return self.page_from(
            self.api.user_tweets(
                self.partition.account_id, since_id=bookmark, token=token, max_results=limit
            )
        )


class XSearch(XStream):
    """Recent search over the school's keywords and hashtags: public mentions."""

    name: ClassVar[str] = "x.search"
    min_page_size = 10

    def default_account(self) -> str | None:
        return None

    def fetch_page(self, token: str | None, *, bookmark: Any, limit: int) -> Page:
        query = self.partition.options["query"]
        return self.page_from(
            self.api.search(query, since_id=bookmark, token=token, max_results=limit)
        )


STREAMS: list[type[XStream]] = [XMentions, XTweets, XSearch]


class XConnector(Connector):
    """Per school: its account's mentions and own posts, and a search for its keywords."""

    platform = Platform.X

    def partitions(self, registry: Any) -> list[PlannedPartition]:
        out = []
        for school in registry.schools:
            handle = None
            for acct in school.accounts:
                if acct.platform is not Platform.X:
                    continue
                handle = acct.handle
                fields = {"school_key": school.key, "account_id": acct.account_id, "handle": handle}
                out += [self.plan(XMentions, f"x:{school.key}:mentions", **fields)]
                out += [self.plan(XTweets, f"x:{school.key}:tweets", **fields)]
            watch = school.watch
            if watch.keywords or watch.hashtags:
                query = search_query(watch.keywords, watch.hashtags, handle)
                label = f"x:{school.key}:search"
                out.append(
                    self.plan(XSearch, label, school_key=school.key, options={"query": query})
                )
        return out

    def live_api(self, partition: Any, registry: Any, credentials: Any) -> XApi:
        return XApi(creds.x_credentials(credentials))

    def replay_api(self, corpus: Any, as_of: dt.datetime) -> Any:
        from connectors.replay import ReplayXApi

        return ReplayXApi(corpus, as_of)


CONNECTOR = XConnector()
