"""Manual "responded outside the platform" marks: applied at once, kept by every recompute."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from tests.sla.conftest import run_sla
from tests.sla.factories import ThreadFactory, at, load
from trustwatch.db.engine import session_scope
from trustwatch.db.models import AuditLog, ManualResponse, ResponseSla
from trustwatch.domain import ItemKind
from trustwatch.registry import Registry
from trustwatch.sla.responses import ResponseMarkError, mark_responded_outside

NOW = at("2026-11-30T12:00")


@pytest.fixture
def thread(facebook: ThreadFactory, sqlite_engine: Engine, registry: Registry) -> dict:
    post = facebook.make(created_at=at("2026-11-24T08:00"), from_school=True, kind=ItemKind.POST)
    root = post.external_id
    first = facebook.make(created_at=at("2026-11-24T09:00"), parent=root, root=root)
    second = facebook.make(created_at=at("2026-11-24T10:00"), parent=root, root=root)
    public = facebook.make(created_at=at("2026-11-24T10:00"), on_account=False)
    ids = load(sqlite_engine, [post, first, second, public])
    run_sla(sqlite_engine, registry, NOW)
    return {
        "post": ids[root],
        "first": ids[first.external_id],
        "second": ids[second.external_id],
        "public": ids[public.external_id],
        "first_ext": first.external_id,
        "root_ext": root,
    }


def _row(engine: Engine, item_id: int) -> ResponseSla:
    with session_scope(engine) as session:
        return session.get(ResponseSla, item_id)


def test_mark_answers_the_whole_run_at_once(sqlite_engine: Engine, thread: dict) -> None:
    assert _row(sqlite_engine, thread["first"]).status == "open_breached"
    with session_scope(sqlite_engine) as session:
        mark = mark_responded_outside(
            session,
            item_id=thread["second"],
            actor="Priya Desai",
            note="phoned the parent",
            at=at("2026-11-24T16:00"),
        )
        mark_id = mark.manual_response_id
    for key in ("first", "second"):
        row = _row(sqlite_engine, thread[key])
        assert row.status == "met"
        assert row.responded_at == at("2026-11-24T16:00")
        assert row.responded_manually_by == "Priya Desai"
        assert row.response_item_id is None
        assert row.response_seconds == 7 * 3600
    with session_scope(sqlite_engine) as session:
        audit = session.scalars(select(AuditLog)).one()
        assert audit.action == "sla.responded_outside" and audit.actor == "Priya Desai"
        assert audit.detail["manual_response_id"] == mark_id
        assert "phoned" not in str(audit.detail), "the note stays out of the audit log"


def test_recompute_keeps_the_mark(sqlite_engine: Engine, registry: Registry, thread: dict) -> None:
    with session_scope(sqlite_engine) as session:
        mark_responded_outside(
            session,
            item_id=thread["first"],
            actor="Tom Hughes",
            note="emailed",
            at=at("2026-11-26T09:00"),
        )
    _, rows = run_sla(sqlite_engine, registry, NOW)
    row = rows[thread["first_ext"]]
    assert row.status == "breached", "answered after the 24 hours"
    assert row.responded_manually_by == "Tom Hughes" and row.responded_manually_note == "emailed"


def test_earlier_platform_reply_wins_on_recompute(
    facebook: ThreadFactory, sqlite_engine: Engine, registry: Registry, thread: dict
) -> None:
    with session_scope(sqlite_engine) as session:
        mark_responded_outside(
            session,
            item_id=thread["first"],
            actor="Tom Hughes",
            note=None,
            at=at("2026-11-25T15:00"),
        )
    # The school's reply to the first comment, ingested late.
    reply = facebook.make(
        created_at=at("2026-11-24T11:00"),
        from_school=True,
        parent=thread["first_ext"],
        root=thread["root_ext"],
    )
    ids = load(sqlite_engine, [reply])
    run_sla(sqlite_engine, registry, NOW)
    row = _row(sqlite_engine, thread["first"])
    assert row.responded_at == at("2026-11-24T11:00")
    assert row.response_item_id == ids[reply.external_id]
    assert row.responded_manually_by is None
    with session_scope(sqlite_engine) as session:
        assert session.scalars(select(ManualResponse)).one().marked_by == "Tom Hughes", "kept"


@pytest.mark.parametrize(
    ("item", "when", "message"),
    [
        ("public", at("2026-11-24T16:00"), "has no response clock"),
        ("post", at("2026-11-24T16:00"), "has no response clock"),
        ("first", dt.datetime(2026, 11, 24, 16), "no time zone"),
        ("first", at("2026-11-24T08:59"), "before the message arrived"),
        ("first", dt.datetime.now(dt.UTC) + dt.timedelta(days=1), "in the future"),
    ],
)
def test_bad_marks_are_refused_and_write_nothing(
    sqlite_engine: Engine, thread: dict, item: str, when: dt.datetime, message: str
) -> None:
    with session_scope(sqlite_engine) as session, pytest.raises(ResponseMarkError, match=message):
        mark_responded_outside(session, item_id=thread[item], actor="x", note=None, at=when)
    with session_scope(sqlite_engine) as session:
        assert session.scalars(select(ManualResponse)).all() == []
        assert session.get(ResponseSla, thread["first"]).responded_at is None


def test_mark_needs_an_actor(sqlite_engine: Engine, thread: dict) -> None:
    with session_scope(sqlite_engine) as session, pytest.raises(ResponseMarkError, match="who"):
        mark_responded_outside(session, item_id=thread["first"], actor="  ", note=None)
