"""Credentials never reach logs, errors, the warehouse or the CLI's output.

Every credential in these tests is a sentinel string; every test looks for the word
SENTINEL anywhere it could leak. tweepy logs its request headers (bearer token included)
at DEBUG, so logging is turned all the way up.
"""

from __future__ import annotations

import logging
import re

import pytest
import responses
from conftest import Ingest, seed_parent
from connector_fakes import CASES, FB_BASE, SENTINELS, Server, spec
from sqlalchemy import Engine, select

from connectors import credentials
from connectors.base import RetryPolicy
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Base
from trustwatch.errors import CredentialsError

LABELS = [c.label for c in CASES]


def assert_no_sentinel_in_warehouse(engine: Engine) -> None:
    with session_scope(engine) as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).all():
                assert "SENTINEL" not in str(tuple(row)), f"a credential leaked into {table.name}"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("tweepy", "urllib3", "prawcore", "praw", "requests_oauthlib", "connectors"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    return caplog


def test_successful_runs_leak_nothing(sqlite_engine, mock, ingest: Ingest, debug_logs) -> None:
    seed_parent(sqlite_engine)
    for case in CASES:
        Server(case, [[spec(3), spec(2)], [spec(1)]]).install(mock)
    # The posts just loaded are parents too: their (empty) comment pages.
    mock.add(responses.GET, re.compile(rf"{FB_BASE}/\d+_\d+/comments"), json={"data": []})
    summary = ingest(sqlite_engine, *LABELS)

    assert summary.ok, [r.error for r in summary.results if r.error]
    assert "Authorization" in debug_logs.text, "tweepy's DEBUG header log did not run"
    assert "SENTINEL" not in debug_logs.text
    assert_no_sentinel_in_warehouse(sqlite_engine)


@pytest.mark.parametrize("status", [401, 403, 500, 429])
def test_failing_runs_leak_nothing(sqlite_engine, mock, ingest: Ingest, debug_logs, status) -> None:
    seed_parent(sqlite_engine)
    for case in CASES:
        server = Server(case, [[spec(1)]])
        server.faults = [("forever", status)]
        server.install(mock)
    summary = ingest(sqlite_engine, *LABELS, retry=RetryPolicy(max_tries=2, sleep=lambda s: None))

    errors = [r.error for r in summary.results]
    assert all(errors), "every partition should have failed"
    assert "SENTINEL" not in " ".join(errors)
    assert "SENTINEL" not in debug_logs.text
    assert_no_sentinel_in_warehouse(sqlite_engine)


def test_a_refused_x_token_is_a_credentials_error_without_the_token(
    sqlite_engine, mock, ingest: Ingest
) -> None:
    server = Server(CASES[0], [[spec(1)]])
    server.faults = [("forever", 401)]
    server.install(mock)
    summary = ingest(sqlite_engine, "x:oakfield:mentions", "x:oakfield:tweets")

    first, second = summary.results
    assert "TRUSTWATCH_X_BEARER_TOKEN" in first.error and "SENTINEL" not in first.error
    assert second.error == first.error, "the rest of the platform is skipped with the reason"
    assert len(server.requests) == 1


def test_connection_errors_do_not_echo_urls_with_tokens(
    sqlite_engine, mock, ingest: Ingest, debug_logs
) -> None:
    import requests

    facebook = next(c for c in CASES if c.label == "facebook:oakfield:posts")
    mock.add(
        responses.GET,
        re.compile(facebook.url),
        body=requests.exceptions.ConnectionError(
            "Max retries exceeded with url: /v21.0/x?access_token="
            + SENTINELS["TRUSTWATCH_FACEBOOK_PAGE_TOKEN_OAKFIELD"]
        ),
    )
    summary = ingest(
        sqlite_engine, facebook.label, retry=RetryPolicy(max_tries=2, sleep=lambda s: None)
    )
    assert not summary.ok
    assert "SENTINEL" not in summary.results[0].error
    assert "SENTINEL" not in debug_logs.text


def test_facebook_token_travels_in_a_header_not_the_url(
    sqlite_engine, mock, ingest: Ingest
) -> None:
    case = next(c for c in CASES if c.label == "facebook:oakfield:posts")
    server = Server(case, [[spec(1)]])
    server.install(mock)
    assert ingest(sqlite_engine, case.label).ok
    call = next(c for c in mock.calls if "graph.facebook.com" in c.request.url)
    assert "access_token" not in call.request.url
    token = SENTINELS["TRUSTWATCH_FACEBOOK_PAGE_TOKEN_OAKFIELD"]
    assert call.request.headers["Authorization"] == f"Bearer {token}"


# --- resolving credentials ------------------------------------------------------------------


def test_missing_x_token_names_the_variable(monkeypatch) -> None:
    monkeypatch.delenv("TRUSTWATCH_X_BEARER_TOKEN")
    with pytest.raises(CredentialsError, match="TRUSTWATCH_X_BEARER_TOKEN"):
        credentials.x_credentials()


def test_missing_reddit_settings_are_all_named(monkeypatch) -> None:
    monkeypatch.delenv("TRUSTWATCH_REDDIT_CLIENT_SECRET")
    monkeypatch.delenv("TRUSTWATCH_REDDIT_USER_AGENT")
    with pytest.raises(CredentialsError) as err:
        credentials.reddit_credentials()
    assert "TRUSTWATCH_REDDIT_CLIENT_SECRET" in str(err.value)
    assert "TRUSTWATCH_REDDIT_USER_AGENT" in str(err.value)
    assert "SENTINEL" not in str(err.value)


def test_facebook_prefers_the_accounts_own_token_env(registry, monkeypatch) -> None:
    oakfield = next(a for _, a in registry.accounts() if a.token_env)
    millbrook = next(
        a for s, a in registry.accounts() if s.key == "millbrook" and a.platform.value == "facebook"
    )
    own = credentials.facebook_credentials(oakfield).page_token.get_secret_value()
    shared = credentials.facebook_credentials(millbrook).page_token.get_secret_value()
    assert own == SENTINELS["TRUSTWATCH_FACEBOOK_PAGE_TOKEN_OAKFIELD"]
    assert shared == SENTINELS["TRUSTWATCH_FACEBOOK_PAGE_TOKEN"]
    assert "SENTINEL" not in repr(credentials.facebook_credentials(oakfield))

    monkeypatch.delenv("TRUSTWATCH_FACEBOOK_PAGE_TOKEN_OAKFIELD")
    monkeypatch.delenv("TRUSTWATCH_FACEBOOK_PAGE_TOKEN")
    with pytest.raises(CredentialsError) as err:
        credentials.facebook_credentials(oakfield)
    assert "TRUSTWATCH_FACEBOOK_PAGE_TOKEN_OAKFIELD" in str(err.value)


class _Conn:
    def __init__(self, login=None, password=None, extra=None) -> None:
        self.login, self.password, self.extra_dejson = login, password, extra or {}


def test_airflow_connections_win_inside_a_task(monkeypatch) -> None:
    looked_up: list[str] = []

    def lookup(conn_id: str):
        looked_up.append(conn_id)
        return {
            "trustwatch_x": _Conn(password="airflow-x-token-123"),
            "trustwatch_reddit": _Conn("airflow-id", "airflow-secret", {"user_agent": "ua/1.0"}),
        }.get(conn_id)

    source = credentials.Source(env={"TRUSTWATCH_X_BEARER_TOKEN": "env-token-456"}, lookup=lookup)
    assert (
        credentials.x_credentials(source).bearer_token.get_secret_value() == "airflow-x-token-123"
    )
    reddit = credentials.reddit_credentials(source)
    assert (reddit.client_id, reddit.user_agent) == ("airflow-id", "ua/1.0")
    assert looked_up == ["trustwatch_x", "trustwatch_reddit"]


def test_airflow_is_only_consulted_inside_a_task(monkeypatch) -> None:
    assert credentials.Source.default().lookup is None
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "ingest_x")
    assert credentials.Source.default().lookup is credentials.airflow_connection
