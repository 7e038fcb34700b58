"""Facebook Pages through `facebook-sdk`'s `GraphAPI`: the page's posts, visitor posts,
comments and replies on both, and ratings/recommendations.

facebook-sdk 3.1 only accepts Graph API versions up to 3.1 in its constructor; Meta
retired those long ago. `GraphClient` subclasses `GraphAPI`, builds it without a version
and then sets the version it is configured with (the library puts `self.version` at the
front of every path), so nothing in the library is patched. The page token travels in
an `Authorization` header, never in a URL, so it cannot reach a log line or a paging link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from typing import Any, ClassVar

import facebook
import requests

from connectors import credentials as creds
from connectors.base import (
    RETRIABLE_STATUSES,
    Connector,
    ConnectorError,
    FatalError,
    Page,
    PlannedPartition,
    RetriableError,
    Stream,
    classify_http_error,
    error_for_status,
    ident,
    optional_ident,
    parse_time,
)
from connectors.credentials import FacebookCredentials
from connectors.deep_json import guard
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.errors import ConfigError, CredentialsError
from trustwatch.registry import Platform

DEFAULT_GRAPH_VERSION = "21.0"
POST_FIELDS = "id,message,created_time,from{id,name},permalink_url"
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},permalink_url"
RATING_FIELDS = (
    "created_time,recommendation_type,review_text,rating,reviewer{id,name},open_graph_story{id}"
)
# Graph error codes worth another try: throttling (4, 17, 32, 613, 80001) and transient
# failures (1, 2); 190 is an expired or revoked token.
RETRIABLE_CODES = {1, 2, 4, 17, 32, 341, 613, 80001}
TOKEN_CODES = {190, 102}


def graph_version() -> str:
    return os.environ.get("TRUSTWATCH_FACEBOOK_GRAPH_VERSION", DEFAULT_GRAPH_VERSION)


class GraphHttpError(Exception):
    """A throttled or failed HTTP response (facebook-sdk itself never looks at statuses)."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _raise_for_retriable_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    if response.status_code in RETRIABLE_STATUSES:
        raise GraphHttpError(response)


class GraphClient(facebook.GraphAPI):
    """`facebook.GraphAPI` with any Graph API version and header-borne token."""

    def __init__(
        self, access_token: str, *, version: str | None = None, timeout: float = 30.0
    ) -> None:
        version = (version or graph_version()).removeprefix("v")
        if not re.fullmatch(r"\d{1,3}\.\d{1,2}", version):
            raise ConfigError(
                f"Graph API version {version!r} is not of the form 21.0. Fix: set "
                "TRUSTWATCH_FACEBOOK_GRAPH_VERSION to a version such as 21.0."
            )
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {access_token}"
        session.hooks["response"].append(_raise_for_retriable_status)
        guard(session)  # JSON nested past the decoder's reach: cut, not fatal
        super().__init__(access_token=None, timeout=timeout, session=session)
        self.version = f"v{version}"


class FacebookApi:
    """The live API for one page (each page has its own page token)."""

    def __init__(self, credentials: FacebookCredentials, *, version: str | None = None) -> None:
        self.graph = GraphClient(credentials.page_token.get_secret_value(), version=version)

    def edge(self, node: str, edge: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.graph.get_connections(node, edge, **params)

    def check(self, page_id: str) -> str:
        page = self.graph.get_object(page_id, fields="id,name")
        return f"reads page '{page.get('name', page_id)}'"


class FacebookStream(Stream):
    """Per-API base: Graph pages (`data` + `paging.cursors`), Graph errors, the item."""

    platform = Platform.FACEBOOK
    replication_key = "created_at"
    is_sorted = False
    # Comments held for moderation surface late: re-read the last hour each run.
    lookback: ClassVar[dt.timedelta] = dt.timedelta(hours=1)
    edge: ClassVar[str]
    fields: ClassVar[str] = POST_FIELDS

    def classify_error(self, exc: BaseException) -> ConnectorError | None:
        if isinstance(exc, facebook.GraphAPIError):
            code = getattr(exc, "code", None)
            if code in TOKEN_CODES:
                raise CredentialsError(
                    f"Facebook refused the page token for @{self.partition.handle} "
                    f"(Graph error {code}). Fix: renew the page token in the variable named "
                    "by the account's token_env, or TRUSTWATCH_FACEBOOK_PAGE_TOKEN."
                ) from None
            result = exc.result if isinstance(exc.result, dict) else {}
            if code in RETRIABLE_CODES or (result.get("error") or {}).get("is_transient"):
                return RetriableError(f"Graph API error {code}: {exc.message}")
            if "Maintype" in str(exc):  # an HTML error page from a proxy or load balancer
                return RetriableError("Graph API answered with a non-JSON page")
            return FatalError(f"Graph API error {code}: {exc.message}")
        if isinstance(exc, GraphHttpError):
            response = exc.response
            return error_for_status(response.status_code, response.headers, "Graph API")
        return classify_http_error(exc)

    def params(self, token: str | None, limit: int) -> dict[str, Any]:
        params: dict[str, Any] = {"fields": self.fields, "limit": limit}
        if token:
            params["after"] = token
        return params

    def node(self) -> str:
        return str(self.partition.account_id)

    def fetch_page(self, token: str | None, *, bookmark: Any, limit: int) -> Page:
        response = self.api.edge(self.node(), self.edge, self.params(token, limit))
        paging = response.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
        return Page(list(response.get("data") or []), after)

    def kind_of(self, raw: dict[str, Any], from_school: bool) -> ItemKind:
        return ItemKind.POST

    def parse_record(self, raw: dict[str, Any]) -> CanonicalItem | None:
        page_id = str(self.partition.account_id)
        author = raw.get("from") or {}
        author_id = optional_ident(author.get("id"))
        from_school = author_id in self.context.school_account_ids
        parent = self.parent_id(raw)
        text = raw.get("message") or ""
        return CanonicalItem(
            platform=Platform.FACEBOOK,
            external_id=ident(raw["id"]),
            kind=self.kind_of(raw, from_school),
            stream=self.name,
            account_platform_id=page_id,
            parent_external_id=parent,
            thread_root_external_id=self.parent.external_id if self.parent else ident(raw["id"]),
            author_platform_id=author_id,
            author_display_name=author.get("name"),
            is_from_school=from_school,
            text=text,
            created_at=parse_time(raw["created_time"]),
            url=raw.get("permalink_url"),
            is_deleted=not text and not author and not raw.get("attachments"),
            raw=raw,
        )

    def parent_id(self, raw: dict[str, Any]) -> str | None:
        return None


class FacebookPosts(FacebookStream):
    """The page's own posts (GET /{page-id}/posts)."""

    name: ClassVar[str] = "facebook.posts"
    edge: ClassVar[str] = "posts"


class FacebookVisitorPosts(FacebookStream):
    """Posts visitors wrote on the page (GET /{page-id}/visitor_posts)."""

    name: ClassVar[str] = "facebook.visitor_posts"
    edge: ClassVar[str] = "visitor_posts"

    def kind_of(self, raw: dict[str, Any], from_school: bool) -> ItemKind:
        return ItemKind.POST if from_school else ItemKind.VISITOR_POST


class FacebookComments(FacebookStream):
    """Comments and replies on recent posts, newest first, flat (filter=stream)."""

    name: ClassVar[str] = "facebook.comments"
    edge: ClassVar[str] = "comments"
    fields: ClassVar[str] = COMMENT_FIELDS
    is_child: ClassVar[bool] = True

    def node(self) -> str:
        assert self.parent is not None
        return self.parent.external_id

    def params(self, token: str | None, limit: int) -> dict[str, Any]:
        return {
            **super().params(token, limit),
            "filter": "stream",
            "order": "reverse_chronological",
        }

    def parent_id(self, raw: dict[str, Any]) -> str | None:
        assert self.parent is not None
        return optional_ident((raw.get("parent") or {}).get("id")) or self.parent.external_id

    def kind_of(self, raw: dict[str, Any], from_school: bool) -> ItemKind:
        return ItemKind.REPLY if raw.get("parent") else ItemKind.COMMENT


class FacebookRatings(FacebookStream):
    """Ratings and recommendations (GET /{page-id}/ratings): reviews of the school."""

    name: ClassVar[str] = "facebook.ratings"
    edge: ClassVar[str] = "ratings"
    fields: ClassVar[str] = RATING_FIELDS
    lookback: ClassVar[dt.timedelta] = dt.timedelta(0)

    def external_id_of(self, raw: Any) -> str | None:
        story = (raw.get("open_graph_story") or {}) if isinstance(raw, dict) else {}
        return str(story["id"]) if story.get("id") else None

    def parse_record(self, raw: dict[str, Any]) -> CanonicalItem | None:
        reviewer = raw.get("reviewer") or {}
        story = (raw.get("open_graph_story") or {}).get("id")
        key = f"{reviewer.get('id', '')}|{raw['created_time']}|{self.partition.account_id}"
        external_id = story or "rating_" + hashlib.sha256(key.encode()).hexdigest()[:32]
        verdict = raw.get("recommendation_type")
        prefix = {"positive": "Recommends. ", "negative": "Does not recommend. "}.get(verdict, "")
        return CanonicalItem(
            platform=Platform.FACEBOOK,
            external_id=ident(external_id),
            kind=ItemKind.REVIEW,
            stream=self.name,
            account_platform_id=str(self.partition.account_id),
            author_platform_id=optional_ident(reviewer.get("id")),
            author_display_name=reviewer.get("name"),
            text=prefix + (raw.get("review_text") or ""),
            created_at=parse_time(raw["created_time"]),
            raw=raw,
        )


PAGE_STREAMS: list[type[FacebookStream]] = [FacebookPosts, FacebookVisitorPosts, FacebookRatings]
CHILD_STREAMS: list[type[FacebookStream]] = [FacebookComments]


class FacebookConnector(Connector):
    """Per page: posts, visitor posts, ratings, then the comments on recent posts."""

    platform = Platform.FACEBOOK
    api_per_account = True  # every page has its own page token

    def partitions(self, registry: Any) -> list[PlannedPartition]:
        out = []
        for school in registry.schools:
            for acct in school.accounts:
                if acct.platform is Platform.FACEBOOK:
                    fields = {"school_key": school.key, "account_id": acct.account_id}
                    for cls in (*PAGE_STREAMS, *CHILD_STREAMS):
                        label = f"facebook:{school.key}:{cls.name.split('.')[1]}"
                        out.append(self.plan(cls, label, handle=acct.handle, **fields))
        return out

    def live_api(self, partition: Any, registry: Any, credentials: Any) -> FacebookApi:
        account = next(
            a
            for _, a in registry.accounts()
            if a.platform is Platform.FACEBOOK and a.account_id == partition.account_id
        )
        return FacebookApi(creds.facebook_credentials(account, credentials))

    def replay_api(self, corpus: Any, as_of: dt.datetime) -> Any:
        from connectors.replay import ReplayFacebookApi

        return ReplayFacebookApi(corpus, as_of)


CONNECTOR = FacebookConnector()
