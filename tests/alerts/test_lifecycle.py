"""The alert life cycle the review app drives: legal moves, clear refusals, every change logged."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from tests.alerts.conftest import events, refresh
from tests.sla.factories import ThreadFactory, at, classify, load
from trustwatch.alerts.lifecycle import (
    AlertNotFoundError,
    IllegalTransitionError,
    assign,
    transition,
)
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Alert
from trustwatch.errors import UserError
from trustwatch.registry import Registry


@pytest.fixture
def alert_id(facebook: ThreadFactory, sqlite_engine: Engine, registry: Registry) -> int:
    item = facebook.make(created_at=at("2026-11-20T10:00"))
    item_id = load(sqlite_engine, [item])[item.external_id]
    classify(sqlite_engine, item_id, "bullying", 0.9, above=True)
    refresh(sqlite_engine, registry, at("2026-11-20T11:00"))
    with session_scope(sqlite_engine) as session:
        return session.scalar(select(Alert.alert_id).where(Alert.alert_type == "bullying"))


def _move(engine: Engine, alert_id: int, to: str, note: str | None = None) -> str:
    with session_scope(engine) as session:
        return transition(
            session, alert_id=alert_id, to_status=to, actor="Priya Desai", note=note
        ).status


def test_full_cycle_is_logged(sqlite_engine: Engine, alert_id: int) -> None:
    assert _move(sqlite_engine, alert_id, "acknowledged", "looking now") == "acknowledged"
    assert _move(sqlite_engine, alert_id, "resolved", "spoke to the family") == "resolved"
    assert _move(sqlite_engine, alert_id, "open", "it happened again") == "open"
    assert _move(sqlite_engine, alert_id, "dismissed", "duplicate of #12") == "dismissed"
    log = events(sqlite_engine, alert_id)
    assert [(e.event, e.from_status, e.to_status) for e in log] == [
        ("created", None, "open"),
        ("transition", "open", "acknowledged"),
        ("transition", "acknowledged", "resolved"),
        ("transition", "resolved", "open"),
        ("transition", "open", "dismissed"),
    ]
    assert {e.actor for e in log[1:]} == {"Priya Desai"}
    assert log[2].note == "spoke to the family"
    assert all(e.at is not None for e in log)


@pytest.mark.parametrize(
    ("path", "refused", "message"),
    [
        ([], "open", "is open and cannot become open"),
        (["acknowledged"], "acknowledged", "cannot become acknowledged"),
        (["resolved"], "acknowledged", "from resolved it can become: open"),
        (["acknowledged"], "open", "from acknowledged it can become: dismissed, resolved"),
        ([], "closed", "'closed' is not an alert status"),
    ],
)
def test_illegal_moves_are_refused_and_leave_no_event(
    sqlite_engine: Engine, alert_id: int, path: list[str], refused: str, message: str
) -> None:
    for step in path:
        _move(sqlite_engine, alert_id, step)
    before = len(events(sqlite_engine, alert_id))
    with pytest.raises(IllegalTransitionError, match=message):
        _move(sqlite_engine, alert_id, refused)
    assert len(events(sqlite_engine, alert_id)) == before


def test_dismissing_needs_a_note(sqlite_engine: Engine, alert_id: int) -> None:
    with pytest.raises(IllegalTransitionError, match="needs a note"):
        _move(sqlite_engine, alert_id, "dismissed", "  ")


def test_unknown_alert_and_missing_actor(sqlite_engine: Engine, alert_id: int) -> None:
    with session_scope(sqlite_engine) as session, pytest.raises(AlertNotFoundError, match="999"):
        transition(session, alert_id=999, to_status="acknowledged", actor="x")
    with session_scope(sqlite_engine) as session, pytest.raises(UserError, match="actor"):
        transition(session, alert_id=alert_id, to_status="acknowledged", actor="")


def test_assign_and_reassign(sqlite_engine: Engine, alert_id: int) -> None:
    with session_scope(sqlite_engine) as session:
        alert = assign(session, alert_id=alert_id, assignee="Tom Hughes", actor="Priya Desai")
        assert alert.assigned_to == "Tom Hughes"
    with session_scope(sqlite_engine) as session:
        assign(session, alert_id=alert_id, assignee="Sarah Lin", actor="Priya Desai", note="cover")
    notes = [e.note for e in events(sqlite_engine, alert_id) if e.event == "assigned"]
    assert notes == ["assigned to Tom Hughes", "assigned to Sarah Lin (was Tom Hughes): cover"]
    with session_scope(sqlite_engine) as session, pytest.raises(UserError, match="assignee"):
        assign(session, alert_id=alert_id, assignee=" ", actor="Priya Desai")
