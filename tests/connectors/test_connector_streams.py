"""Every listing stream, through its real client library, against the platform's JSON.

Parametrised over `connector_fakes.CASES` (X mentions/posts/search, Reddit search and
inbox and own comments, Facebook posts/visitor posts/ratings/comments): pagination,
stopping at the cursor, 429 then success, 5xx until the retries run out, broken JSON,
deleted items, awkward texts, duplicates across pages, and a crash before the commit.
"""

from __future__ import annotations

import re

import pytest
import responses
from conftest import Ingest, prepare
from connector_fakes import CASES, Server, StreamCase, spec
from sqlalchemy import Engine, func, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import IngestState, Item, Quarantine
from trustwatch.ingest import plan_partitions

CASE_IDS = [c.id for c in CASES]


def items(engine: Engine, platform: str) -> dict[str, Item]:
    with session_scope(engine) as session:
        rows = session.scalars(select(Item).where(Item.platform == platform)).all()
        return {row.external_id: row for row in rows}


def cursor(engine: Engine, case: StreamCase) -> dict | None:
    with session_scope(engine) as session:
        row = session.scalar(select(IngestState).where(IngestState.partition == case.label))
        return None if row is None else {"cursor": row.cursor, "error": row.last_error}


def stream_name(registry, case: StreamCase) -> str:
    return next(p.stream_cls.name for p in plan_partitions(registry) if p.label == case.label)


def new_items(engine: Engine, case: StreamCase) -> dict[str, Item]:
    found = items(engine, case.platform)
    if case.child:
        found = {k: v for k, v in found.items() if v.kind != "post"}
    return found


@pytest.fixture(params=CASES, ids=CASE_IDS)
def case(request: pytest.FixtureRequest) -> StreamCase:
    return request.param


def test_pagination_across_several_pages(sqlite_engine, mock, ingest: Ingest, case) -> None:
    pages = [[spec(30), spec(29), spec(28)], [spec(27), spec(26)], [spec(25)]]
    server = Server(case, pages)
    server.install(mock)
    prepare(sqlite_engine, case)

    summary = ingest(sqlite_engine, case.label)

    assert summary.ok, summary.results
    assert server.tokens_requested == [None, "tok1", "tok2"]
    loaded = new_items(sqlite_engine, case)
    assert set(loaded) == {case.external_id(spec(n)) for n in range(25, 31)}
    state = cursor(sqlite_engine, case)
    assert state is not None and state["error"] is None
    assert state["cursor"]["bookmark"] is not None
    assert summary.results[0].pages == 3 and summary.results[0].inserted == 6


def test_stops_at_the_cursor(sqlite_engine, mock, ingest: Ingest, case) -> None:
    first = Server(case, [[spec(20), spec(19)]])
    first.install(mock)
    prepare(sqlite_engine, case)
    ingest(sqlite_engine, case.label)
    mock.remove(mock.registered()[-1])

    # Newer items on page 1, then the old ones again: nothing past them is fetched.
    old = spec(2, minutes=-600)
    second = Server(case, [[spec(40), spec(39), spec(20), spec(19), old], [spec(5), spec(4)]])
    second.install(mock)
    summary = ingest(sqlite_engine, case.label)

    assert summary.ok
    assert second.tokens_requested == [None], "a page past the cursor was requested"
    loaded = new_items(sqlite_engine, case)
    assert case.external_id(spec(40)) in loaded and case.external_id(spec(5)) not in loaded
    if case.platform == "x":  # X filters by since_id server-side: the bookmark is sent
        assert second.requests[0]["since_id"] == [case.external_id(spec(20))]


def test_rate_limited_then_succeeds(sqlite_engine, mock, ingest: Ingest, case, waits) -> None:
    server = Server(case, [[spec(3), spec(2)]])
    server.faults = [("status", 429, case.rate_limit_headers())]
    server.install(mock)
    prepare(sqlite_engine, case)

    summary = ingest(sqlite_engine, case.label)

    assert summary.ok, summary.results
    assert len(new_items(sqlite_engine, case)) == 2
    assert len(waits) == 1 and 2.0 <= waits[0] <= 9.0, "the rate-limit wait was not honoured"


def test_server_errors_until_retries_run_out(sqlite_engine, mock, ingest: Ingest, case) -> None:
    prepare(sqlite_engine, case)
    good = Server(case, [[spec(8), spec(7)]])
    good.install(mock)
    ingest(sqlite_engine, case.label)
    before = cursor(sqlite_engine, case)
    mock.remove(mock.registered()[-1])

    failing = Server(case, [[spec(12), spec(11)], [spec(10)]])
    failing.faults = [("forever", 503)]
    failing.install(mock)
    summary = ingest(sqlite_engine, case.label)

    result = summary.results[0]
    assert not summary.ok and "503" in (result.error or "")
    assert "gave up after 4 tries" in result.error
    assert len(failing.requests) == 4
    after = cursor(sqlite_engine, case)
    assert after["cursor"] == before["cursor"], "the cursor moved on a failed run"
    assert after["error"] == result.error
    assert case.external_id(spec(12)) not in new_items(sqlite_engine, case)


def test_failure_on_a_later_page_keeps_the_cursor(sqlite_engine, mock, ingest, case) -> None:
    prepare(sqlite_engine, case)
    server = Server(case, [[spec(12), spec(11)], [spec(10)]])
    outage = {"on": True}

    def page_two_down(request):
        if outage["on"] and len(server.requests) >= 1:
            server.requests.append({})
            return 500, {"content-type": "application/json"}, '{"error": {"code": 2}}'
        return server._serve(request)

    mock.add_callback(responses.GET, re.compile(case.url), callback=page_two_down)
    summary = ingest(sqlite_engine, case.label)

    assert not summary.ok
    assert cursor(sqlite_engine, case)["cursor"].get("bookmark") is None
    # Page 1 was a whole batch and is kept; nothing of page 2 exists.
    assert set(new_items(sqlite_engine, case)) == {
        case.external_id(spec(12)),
        case.external_id(spec(11)),
    }

    outage["on"] = False  # the platform recovers: the rerun completes and moves the cursor
    summary = ingest(sqlite_engine, case.label)
    assert summary.ok
    assert len(new_items(sqlite_engine, case)) == 3
    assert cursor(sqlite_engine, case)["cursor"]["bookmark"] is not None


def test_malformed_json_page(sqlite_engine, mock, ingest: Ingest, case) -> None:
    prepare(sqlite_engine, case)
    server = Server(case, [[spec(3)]])
    server.faults = [("body", '{"data": [{"id": "12'), ("body", "<html>bad gateway</html>")]
    server.install(mock)

    summary = ingest(sqlite_engine, case.label)

    assert summary.ok, "a truncated body is retried, and the retry succeeded"
    assert len(new_items(sqlite_engine, case)) == 1


def test_malformed_json_for_ever_is_quarantined(sqlite_engine, mock, ingest, case) -> None:
    prepare(sqlite_engine, case)
    server = Server(case, [[spec(3)]])
    server.faults = [("body", '{"data": [{"id": "12')] * 4
    server.install(mock)

    summary = ingest(sqlite_engine, case.label)

    assert not summary.ok and "JSON" in summary.results[0].error
    with session_scope(sqlite_engine) as session:
        rows = session.scalars(select(Quarantine)).all()
        assert [r.check_name for r in rows] == ["response_json"]
        assert rows[0].partition == case.label
    assert not new_items(sqlite_engine, case)


def test_bad_record_is_quarantined_and_the_batch_goes_on(
    sqlite_engine, mock, ingest: Ingest, case, registry
) -> None:
    prepare(sqlite_engine, case)
    server = Server(case, [[spec(5), spec(4), spec(3)]])
    page = server.by_token[None]
    records = page["data"] if "data" in page and isinstance(page["data"], list) else None
    if records is None:
        records = page["data"]["children"]
        records[1]["data"]["created_utc"] = "not a time"
    else:
        records[1]["created_at" if case.platform == "x" else "created_time"] = "yesterday-ish"
    server.install(mock)

    summary = ingest(sqlite_engine, case.label)
    ingest(sqlite_engine, case.label)  # and again: the quarantine row is not duplicated

    assert summary.ok and summary.results[0].quarantined == 1
    assert set(new_items(sqlite_engine, case)) == {
        case.external_id(spec(5)),
        case.external_id(spec(3)),
    }
    with session_scope(sqlite_engine) as session:
        rows = session.scalars(select(Quarantine)).all()
        assert len(rows) == 1
        assert rows[0].stream == stream_name(registry, case)
        assert rows[0].external_id == case.external_id(spec(4))
        assert rows[0].check_name == "parse_record"


def test_awkward_texts_round_trip(sqlite_engine, mock, ingest: Ingest, case) -> None:
    prepare(sqlite_engine, case)
    emoji = "Brilliant day 🎉👩‍👧‍👦🏳️‍🌈 thank you!"
    rtl = "السلام عليكم، هل المدرسة مفتوحة يوم الاثنين؟"
    long_text = ("Our concerns about the SEND provision, in full. " * 210)[:10_000]
    server = Server(case, [[spec(3, text=emoji), spec(2, text=rtl), spec(1, text=long_text)]])
    server.install(mock)

    assert ingest(sqlite_engine, case.label).ok
    loaded = new_items(sqlite_engine, case)
    texts = {loaded[case.external_id(spec(n))].text for n in (1, 2, 3)}
    for text in (emoji, rtl, long_text):
        assert any(t.endswith(text) for t in texts), text[:40]
    assert len(long_text) == 10_000


def test_the_same_item_on_two_pages(sqlite_engine, mock, ingest: Ingest, case) -> None:
    prepare(sqlite_engine, case)
    server = Server(case, [[spec(6), spec(5)], [spec(5), spec(4)]])
    server.install(mock)

    summary = ingest(sqlite_engine, case.label)

    assert summary.ok
    with session_scope(sqlite_engine) as session:
        count = session.scalar(
            select(func.count())
            .select_from(Item)
            .where(Item.external_id == case.external_id(spec(5)))
        )
    assert count == 1
    assert len(new_items(sqlite_engine, case)) == 3


def test_crash_between_fetch_and_commit_then_rerun(
    sqlite_engine, mock, ingest: Ingest, case, monkeypatch
) -> None:
    prepare(sqlite_engine, case)
    server = Server(case, [[spec(9), spec(8)], [spec(7)]])
    server.install(mock)
    import trustwatch.ingest as job

    real_load = job.load_items
    state = {"calls": 0}

    def crash_on_second_batch(*args, **kwargs):
        state["calls"] += 1
        if state["calls"] == 2:
            raise RuntimeError("power cut between fetch and commit")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(job, "load_items", crash_on_second_batch)
    summary = ingest(sqlite_engine, case.label)
    assert not summary.ok and "power cut" in summary.results[0].error
    assert cursor(sqlite_engine, case)["cursor"].get("bookmark") is None

    monkeypatch.setattr(job, "load_items", real_load)
    assert ingest(sqlite_engine, case.label).ok
    loaded = new_items(sqlite_engine, case)
    assert set(loaded) == {case.external_id(spec(n)) for n in (7, 8, 9)}
    assert cursor(sqlite_engine, case)["cursor"]["bookmark"] is not None


# X timelines simply drop deleted posts (see test_connector_x); ratings cannot be deleted.
DELETABLE = [c for c in CASES if c.platform != "x" and not c.label.endswith("ratings")]


@pytest.mark.parametrize("case", DELETABLE, ids=[c.id for c in DELETABLE])
def test_deleted_and_removed_items(sqlite_engine, mock, ingest: Ingest, case) -> None:
    prepare(sqlite_engine, case)
    server = Server(case, [[spec(3, text="what a useless head teacher"), spec(2)]])
    server.install(mock)
    assert ingest(sqlite_engine, case.label).ok
    mock.remove(mock.registered()[-1])

    server = Server(case, [[spec(3, deleted=True), spec(2)]])
    server.install(mock)
    # The bookmark is past these items: read from scratch, as a full re-scan would.
    with session_scope(sqlite_engine) as session:
        session.query(IngestState).delete()
    assert ingest(sqlite_engine, case.label).ok

    row = new_items(sqlite_engine, case)[case.external_id(spec(3))]
    assert row.is_deleted
    assert "useless head teacher" in (row.text or ""), "the deletion erased the evidence"


def test_no_secret_in_warehouse_after_loading(sqlite_engine, mock, ingest: Ingest, case) -> None:
    prepare(sqlite_engine, case)
    Server(case, [[spec(2), spec(1)]]).install(mock)
    assert ingest(sqlite_engine, case.label).ok
    from test_connector_secrets import assert_no_sentinel_in_warehouse

    assert_no_sentinel_in_warehouse(sqlite_engine)
