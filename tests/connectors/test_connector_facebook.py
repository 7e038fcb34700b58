"""Facebook specifics: any Graph API version without patching facebook-sdk, comment
threads, Graph error codes, and ratings."""

from __future__ import annotations

import re

import facebook
import pytest
import responses
from conftest import Ingest, seed_parent
from connector_fakes import CASES, OAKFIELD_FB, PARENT_POST, Server, spec
from pydantic import SecretStr
from sqlalchemy import select

from connectors.credentials import FacebookCredentials
from connectors.facebook import FacebookApi, GraphClient
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Item
from trustwatch.errors import ConfigError

POSTS = next(c for c in CASES if c.label == "facebook:oakfield:posts")
COMMENTS = next(c for c in CASES if c.label == "facebook:oakfield:comments")


def test_the_library_alone_refuses_current_versions() -> None:
    with pytest.raises(facebook.GraphAPIError):
        facebook.GraphAPI(access_token="t" * 10, version="21.0")


@pytest.mark.parametrize("version", ["21.0", "v22.0", "19.0"])
def test_graph_client_speaks_any_version(version: str, mock) -> None:
    number = version.removeprefix("v")
    mock.add(
        responses.GET,
        f"https://graph.facebook.com/v{number}/{OAKFIELD_FB}",
        json={"id": OAKFIELD_FB, "name": "Oakfield"},
    )
    client = GraphClient("page-token-value", version=version)
    assert client.get_object(OAKFIELD_FB)["name"] == "Oakfield"
    assert client.version == f"v{number}"


def test_configured_version_comes_from_the_environment(
    monkeypatch, sqlite_engine, mock, ingest
) -> None:
    monkeypatch.setenv("TRUSTWATCH_FACEBOOK_GRAPH_VERSION", "22.0")
    mock.add(
        responses.GET,
        re.compile(rf"https://graph.facebook.com/v22.0/{OAKFIELD_FB}/posts"),
        json={"data": []},
    )
    assert ingest(sqlite_engine, POSTS.label).ok


def test_a_malformed_version_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="TRUSTWATCH_FACEBOOK_GRAPH_VERSION"):
        FacebookApi(FacebookCredentials(page_token=SecretStr("x" * 12)), version="latest")


def test_comments_and_replies(sqlite_engine, mock, ingest: Ingest) -> None:
    seed_parent(sqlite_engine)
    server = Server(COMMENTS, [[spec(3), spec(2), spec(1)]])
    data = server.by_token[None]["data"]
    data[0]["parent"] = {"id": data[2]["id"]}  # a reply to comment 1
    data[1]["from"] = {"id": OAKFIELD_FB, "name": "Oakfield Primary Academy"}  # the page answers
    data[1]["parent"] = {"id": data[2]["id"]}
    server.install(mock)

    assert ingest(sqlite_engine, COMMENTS.label).ok
    assert server.requests[0]["filter"] == ["stream"]
    assert server.requests[0]["order"] == ["reverse_chronological"]
    with session_scope(sqlite_engine) as session:
        loaded = {r.external_id: r for r in session.scalars(select(Item)).all()}
    first, school, reply = (loaded[COMMENTS.external_id(spec(n))] for n in (1, 2, 3))
    assert first.kind == "comment" and first.parent_external_id == PARENT_POST
    assert reply.kind == "reply" and reply.parent_external_id == first.external_id
    assert school.is_from_school and school.author_key is not None
    assert {r.thread_root_external_id for r in (first, school, reply)} == {PARENT_POST}


@pytest.mark.parametrize(
    ("code", "retried"), [(4, True), (17, True), (2, True), (100, False), (190, False)]
)
def test_graph_error_codes(sqlite_engine, mock, ingest, waits, code, retried) -> None:
    mock.add(
        responses.GET,
        re.compile(POSTS.url),
        json={"error": {"message": "boom", "type": "OAuthException", "code": code}},
        status=400,
    )
    summary = ingest(sqlite_engine, POSTS.label)
    assert not summary.ok
    assert bool(waits) is retried
    if code == 190:
        assert "renew the page token" in summary.results[0].error


def test_ratings_are_reviews_with_their_verdict(sqlite_engine, mock, ingest) -> None:
    ratings = next(c for c in CASES if c.label.endswith("ratings"))
    Server(
        ratings, [[spec(2, text="Caring staff"), spec(1, text="Complaints go nowhere")]]
    ).install(mock)
    assert ingest(sqlite_engine, ratings.label).ok
    with session_scope(sqlite_engine) as session:
        texts = sorted(session.scalars(select(Item.text).where(Item.kind == "review")).all())
    assert texts == ["Does not recommend. Complaints go nowhere", "Recommends. Caring staff"]
