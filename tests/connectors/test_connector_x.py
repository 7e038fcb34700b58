"""X specifics: the paid read cap (and resuming after it), attribution of each post to a
school account, deleted posts, the search query, and the bookmark's signpost."""

from __future__ import annotations

import datetime as dt

from connector_fakes import CASES, OAKFIELD_X, RUN_AT, Server, spec, x_id
from sqlalchemy import select

from connectors.x import search_query, snowflake_at
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Account, IngestState, Item, School

MENTIONS = CASES[0]
SEARCH = next(c for c in CASES if c.label == "x:oakfield:search")
MILLBROOK_X = "1500000000000000002"


def rows(engine) -> dict[str, Item]:
    with session_scope(engine) as session:
        return {r.external_id: r for r in session.scalars(select(Item)).all()}


def state(engine, label: str) -> dict:
    with session_scope(engine) as session:
        return session.scalar(select(IngestState.cursor).where(IngestState.partition == label))


def test_read_cap_stops_the_run_and_the_next_run_resumes(sqlite_engine, mock, ingest) -> None:
    pages = [[spec(9), spec(8), spec(7)], [spec(6), spec(5), spec(4)], [spec(3), spec(2)]]
    server = Server(MENTIONS, pages)
    server.install(mock)

    first = ingest(sqlite_engine, MENTIONS.label, read_caps={"x": 8})
    result = first.results[0]
    assert result.ok and result.budget_exhausted
    assert result.read == 6 and server.requests[0]["max_results"] == ["8"]
    assert server.requests[1]["max_results"] == ["5"]  # X's minimum page; never above the cap
    cursor = state(sqlite_engine, MENTIONS.label)
    assert cursor["bookmark"] is None, "the walk is unfinished: the bookmark must not move"
    assert cursor["resume"] == {"token": "tok2", "high": x_id(spec(9))}

    second = ingest(sqlite_engine, MENTIONS.label, read_caps={"x": 100})
    assert second.ok and not second.results[0].budget_exhausted
    assert server.tokens_requested[-1] == "tok2"
    assert len(rows(sqlite_engine)) == 8
    assert state(sqlite_engine, MENTIONS.label) == {"bookmark": x_id(spec(9))}


def test_cap_is_shared_by_all_x_partitions_in_a_run(sqlite_engine, mock, ingest) -> None:
    for case in CASES[:3]:
        Server(case, [[spec(3), spec(2), spec(1)]]).install(mock)
    summary = ingest(sqlite_engine, *(c.label for c in CASES[:3]), read_caps={"x": 8})
    reads = [r.read for r in summary.results]
    assert reads == [3, 3, 0]
    assert summary.results[2].budget_exhausted


def test_attribution_and_kinds(sqlite_engine, mock, ingest) -> None:
    server = Server(MENTIONS, [[spec(4), spec(3), spec(2), spec(1)]])
    data = server.by_token[None]["data"]
    # 4: a reply to one of the school's posts; 3: a mention of Oakfield and Millbrook, in
    # that order of the text but Millbrook replied to; 2: a plain mention; 1: long post.
    data[0].update(
        in_reply_to_user_id=OAKFIELD_X,
        referenced_tweets=[{"type": "replied_to", "id": "1999"}],
        conversation_id="1999",
    )
    data[1].update(in_reply_to_user_id=MILLBROOK_X)
    long_text = "word " * 900
    data[3].update(text=long_text[:270], note_tweet={"text": long_text})
    server.install(mock)

    assert ingest(sqlite_engine, MENTIONS.label).ok
    loaded = rows(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        accounts = dict(
            session.execute(select(Account.account_id, Account.platform_account_id)).all()
        )
    comment = loaded[x_id(spec(4))]
    assert comment.kind == "comment" and accounts[comment.account_id] == OAKFIELD_X
    assert comment.parent_external_id == "1999" and comment.thread_root_external_id == "1999"
    assert accounts[loaded[x_id(spec(3))].account_id] == MILLBROOK_X
    assert loaded[x_id(spec(2))].kind == "mention"
    assert loaded[x_id(spec(1))].text == long_text, "note_tweet carries the full long post"
    assert not any(r.is_from_school for r in loaded.values())


def test_own_posts_are_from_the_school(sqlite_engine, mock, ingest) -> None:
    tweets = next(c for c in CASES if c.label == "x:oakfield:tweets")
    server = Server(tweets, [[spec(2), spec(1)]])
    server.by_token[None]["data"][0]["referenced_tweets"] = [{"type": "replied_to", "id": "77"}]
    server.install(mock)
    assert ingest(sqlite_engine, tweets.label).ok
    loaded = rows(sqlite_engine)
    assert loaded[x_id(spec(2))].kind == "reply" and loaded[x_id(spec(2))].is_from_school
    assert loaded[x_id(spec(1))].kind == "post"


def test_search_results_are_public_mentions_attributed_to_the_school(
    sqlite_engine, mock, ingest
) -> None:
    server = Server(SEARCH, [[spec(1, text="Oakfield Primary's parking is dangerous")]])
    server.install(mock)
    assert ingest(sqlite_engine, SEARCH.label).ok
    row = rows(sqlite_engine)[x_id(spec(1))]
    with session_scope(sqlite_engine) as session:
        oakfield = session.scalar(select(School.school_id).where(School.school_key == "oakfield"))
    assert row.account_id is None and row.school_id == oakfield and row.kind == "mention"
    query = server.requests[0]["query"][0]
    assert query == search_query(
        ["Oakfield Primary", "Oakfield Academy"], ["#OakfieldPrimary"], "OakfieldPrimary"
    )
    assert server.requests[0]["sort_order"] == ["recency"]


def test_search_query_excludes_the_schools_own_posts_and_mentions() -> None:
    assert search_query(["Millbrook High", "Millbrook"], ["#MillbrookHigh"], "MillbrookHigh") == (
        '("Millbrook High" OR Millbrook OR #MillbrookHigh) -from:MillbrookHigh -@MillbrookHigh '
        "-is:retweet"
    )


def test_deleted_and_withheld_posts(sqlite_engine, mock, ingest) -> None:
    server = Server(MENTIONS, [[spec(2), spec(1)]])
    page = server.by_token[None]
    page["data"][1]["withheld"] = {"copyright": False, "country_codes": ["GB"]}
    page["errors"] = [
        {
            "resource_id": "1855555555555555555",
            "resource_type": "tweet",
            "title": "Not Found Error",
            "detail": "Could not find tweet with id: [1855555555555555555].",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
    ]
    server.install(mock)
    summary = ingest(sqlite_engine, MENTIONS.label)
    assert summary.ok and summary.results[0].quarantined == 0
    assert set(rows(sqlite_engine)) == {x_id(spec(2)), x_id(spec(1))}


def test_an_empty_timeline(sqlite_engine, mock, ingest) -> None:
    Server(MENTIONS, [[]]).install(mock)
    summary = ingest(sqlite_engine, MENTIONS.label)
    assert summary.ok and summary.results[0].read == 0
    assert state(sqlite_engine, MENTIONS.label) == {"bookmark": None}


def test_bookmark_never_passes_the_run_start(sqlite_engine, mock, ingest) -> None:
    future = spec(1)
    future.at = RUN_AT + dt.timedelta(hours=3)  # a clock-skewed post from "the future"
    Server(MENTIONS, [[future, spec(2)]]).install(mock)
    assert ingest(sqlite_engine, MENTIONS.label).ok
    bookmark = int(state(sqlite_engine, MENTIONS.label)["bookmark"])
    assert bookmark == snowflake_at(RUN_AT)


def test_a_refused_resume_token_restarts_the_walk(sqlite_engine, mock, ingest) -> None:
    from connectors.base import PlannedPartition  # noqa: F401 - the public home of plans
    from trustwatch.warehouse.ingest_state import save_cursor

    with session_scope(sqlite_engine) as session:
        resume = {"token": "expired-token", "high": x_id(spec(9))}
        save_cursor(
            session,
            "x.mentions",
            MENTIONS.label,
            {"bookmark": None, "resume": resume},
            run_started_at=RUN_AT,
            loaded=0,
        )
    server = Server(MENTIONS, [[spec(3), spec(2)]])  # answers 400 to an unknown token
    server.install(mock)

    summary = ingest(sqlite_engine, MENTIONS.label)

    assert summary.ok, summary.results[0].error
    assert server.tokens_requested == ["expired-token", None]
    assert len(rows(sqlite_engine)) == 2
    assert state(sqlite_engine, MENTIONS.label) == {"bookmark": x_id(spec(9))}
