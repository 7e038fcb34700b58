"""Incremental and full recomputation leave identical `response_sla` and `alerts` tables.

Hypothesis draws a warehouse history, hour by hour: parents commenting in new and old
threads (on school posts and visitor posts, where a school reply answers one branch or the
whole thread), school replies, link cross-posting that turns older posts into spam, edits
that delete an item, manual "responded outside" marks, and scores above and below the
alert thresholds. After every hour the hourly (incremental) SLA job and alert refresh run;
then, in a transaction that is rolled back, the full rebuilds run on the result. A full
rebuild writes only rows that differ, so if the incremental run left anything stale,
missing or extra, the full one changes it and the snapshots differ.

The overlap that guards against late commits is set to zero here: otherwise every row
loaded in the last ten minutes (all of them, in a test) would be re-read and the
incremental path would never be tested.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.sla.factories import ThreadFactory, classify, load
from trustwatch.alerts import engine as alerts_engine
from trustwatch.alerts.engine import refresh_alerts
from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.migrate import upgrade
from trustwatch.db.models import Alert, AlertEvent, Item, ResponseSla
from trustwatch.domain import ItemKind
from trustwatch.registry import Platform, Registry
from trustwatch.sla import job as sla_job
from trustwatch.sla.job import compute_sla
from trustwatch.sla.responses import mark_responded_outside
from trustwatch.warehouse.registry_sync import sync_registry

START = dt.datetime(2026, 11, 24, 7, tzinfo=dt.UTC)  # a Tuesday: weekdays and a weekend
SPAM = "Free tablets for every pupil at https://spam.example/win"

event = st.one_of(
    st.tuples(st.just("comment"), st.integers(0, 5), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("reply"), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.just("spam"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 30)),
    st.tuples(st.just("mark"), st.integers(0, 30)),
    st.tuples(st.just("score"), st.integers(0, 30), st.floats(0, 1), st.sampled_from(["a", "b"])),
)
hours = st.lists(st.tuples(st.integers(1, 30), st.lists(event, max_size=6)), min_size=2, max_size=6)


@pytest.fixture(scope="module")
def template(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, registry-synced SQLite file, copied for every example."""
    path = tmp_path_factory.mktemp("template") / "warehouse.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_scope(engine) as session:
        sync_registry(session, registry)
    engine.dispose()
    return path


def _snapshot(session: Session) -> tuple[dict[int, tuple], dict[str, tuple]]:
    sla = {
        r.item_id: (
            r.clock_item_id,
            r.received_at,
            r.due_at,
            r.responded_at,
            r.response_item_id,
            r.response_seconds,
            r.responded_manually_by,
            r.status,
            r.computed_at,
            r.week_start,
        )
        for r in session.scalars(select(ResponseSla))
    }
    events: dict[int, list[tuple]] = {}
    for e in session.scalars(select(AlertEvent).order_by(AlertEvent.alert_event_id)):
        events.setdefault(e.alert_id, []).append(
            (e.event, e.from_status, e.to_status, e.from_severity, e.to_severity, e.at)
        )
    alerts = {
        a.dedupe_key: (
            a.item_id,
            a.alert_type,
            a.severity,
            a.status,
            a.score,
            a.created_at,
            a.updated_at,
            tuple(events.get(a.alert_id, [])),
        )
        for a in session.scalars(select(Alert))
    }
    return sla, alerts


def _full_would_change(engine: Engine, registry: Registry, now: dt.datetime) -> Any:
    """Snapshots before and after full rebuilds, which are then rolled back."""
    with engine.connect() as conn:
        trans = conn.begin()
        session = Session(bind=conn)
        before = _snapshot(session)
        sla = compute_sla(session, registry, now=now, full=True)
        alerts = refresh_alerts(session, registry, now=now, full=True)
        after = _snapshot(session)
        session.close()
        trans.rollback()
    return before, after, sla, alerts


def _diff(incremental: dict, full: dict) -> str:
    keys = sorted(set(incremental) | set(full), key=str)
    lines = [
        f"{k}: incremental {incremental.get(k)} / full {full.get(k)}"
        for k in keys
        if incremental.get(k) != full.get(k)
    ]
    return "; ".join(lines)


class _World:
    """The drawn history applied through the real loader, marks and scores."""

    def __init__(self, engine: Engine, registry: Registry) -> None:
        self.engine = engine
        self.factories = [
            ThreadFactory(engine, registry, "oakfield", Platform.FACEBOOK),
            ThreadFactory(engine, registry, "millbrook", Platform.REDDIT),
        ]
        self.items: list[tuple[int, Any]] = []  # (factory index, canonical item)
        self.ids: dict[str, int] = {}
        self.scores = 0

    def _pick(self, index: int) -> tuple[int, Any] | None:
        return self.items[index % len(self.items)] if self.items else None

    def _add(self, f: int, item: Any) -> None:
        self.ids.update(load(self.engine, [item]))
        self.items.append((f, item))

    def apply(self, ev: tuple, now: dt.datetime, registry: Registry) -> None:
        kind = ev[0]
        if kind == "comment":
            _, author, target, school_post = ev
            picked = self._pick(target)
            f = target % 2
            factory = self.factories[f]
            if picked is None or target % 3 == 0:  # a new thread
                root = factory.make(
                    created_at=now - dt.timedelta(minutes=50),
                    from_school=school_post,
                    author=None if school_post else f"parent-{author}",
                    kind=ItemKind.POST if school_post else ItemKind.VISITOR_POST,
                )
                self._add(f, root)
                return
            f, parent = picked
            factory = self.factories[f]
            root = parent.thread_root_external_id or parent.external_id
            self._add(
                f,
                factory.make(
                    created_at=now - dt.timedelta(minutes=40),
                    author=f"parent-{author}",
                    parent=parent.external_id,
                    root=root,
                ),
            )
        elif kind == "reply" and (picked := self._pick(ev[1])) is not None:
            f, parent = picked
            self._add(
                f,
                self.factories[f].make(
                    created_at=now - dt.timedelta(minutes=20 + ev[2]),
                    from_school=True,
                    author=None,
                    parent=parent.external_id,
                    root=parent.thread_root_external_id or parent.external_id,
                    text="Thank you, we will be in touch.",
                ),
            )
        elif kind == "spam":
            f = ev[1] % 2
            picked = self._pick(ev[1])
            root = None
            if ev[2] and picked is not None and picked[0] == f:
                root = picked[1].thread_root_external_id or picked[1].external_id
            self._add(
                f,
                self.factories[f].make(
                    created_at=now - dt.timedelta(minutes=30),
                    author="spammer",
                    parent=root,
                    root=root,
                    text=SPAM,
                ),
            )
        elif kind == "delete" and (picked := self._pick(ev[1])) is not None:
            f, item = picked
            deleted = item.model_copy(update={"is_deleted": True})
            self.ids.update(load(self.engine, [deleted]))
        elif kind == "mark" and (picked := self._pick(ev[1])) is not None:
            item_id = self.ids[picked[1].external_id]
            with session_scope(self.engine) as session:
                row = session.get(ResponseSla, item_id)
                if row is None or row.received_at > now - dt.timedelta(minutes=5):
                    return
                mark_responded_outside(
                    session,
                    item_id=item_id,
                    actor="office@oakfield.example",
                    note="phoned",
                    at=now - dt.timedelta(minutes=5),
                )
        elif kind == "score" and (picked := self._pick(ev[1])) is not None:
            item_id = self.ids[picked[1].external_id]
            label = "safeguarding" if ev[3] == "a" else "complaint"
            self.scores += 1
            version = f"test-{self.scores}"  # each score a new model version: newest wins
            with session_scope(self.engine) as session:
                exists = session.scalar(select(Item.item_id).where(Item.item_id == item_id))
            if exists:
                classify(
                    self.engine, item_id, label, ev[2], above=ev[2] >= 0.5, model_version=version
                )


@settings(
    max_examples=int(os.environ.get("TRUSTWATCH_INCREMENTAL_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(
    history=[
        (12, [("reply", 14, 4)]),
        (
            21,
            [
                ("reply", 11, 25),
                ("comment", 4, 26, True),
                ("spam", 13, True),
                ("comment", 2, 27, False),
                ("spam", 14, True),
                ("delete", 24),
            ],
        ),
        (20, []),
        (
            28,
            [
                ("score", 16, 0.17, "b"),
                ("mark", 3),
                ("score", 25, 0.65, "b"),
                ("delete", 29),
                ("delete", 2),
                ("mark", 3),
            ],
        ),
    ]
)
@given(history=hours)
def test_incremental_equals_full(
    history: list, template: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sla_job, "OVERLAP", dt.timedelta(0))
    monkeypatch.setattr(alerts_engine, "OVERLAP", dt.timedelta(0))
    workdir = Path(tempfile.mkdtemp(prefix="tw-incr-"))
    try:
        shutil.copy(template, workdir / "warehouse.sqlite")
        engine = make_engine(f"sqlite:///{workdir / 'warehouse.sqlite'}")
        world = _World(engine, registry)
        now = START
        for step, (gap, events) in enumerate(history):
            now = now + dt.timedelta(hours=gap)
            for ev in events:
                world.apply(ev, now, registry)
            with session_scope(engine) as session:
                sla = compute_sla(session, registry, now=now)
            with session_scope(engine) as session:
                alerts = refresh_alerts(session, registry, now=now)
            assert (sla.mode, alerts.mode) == (
                ("full", "full") if step == 0 else ("incremental",) * 2
            )
            before, after, full_sla, full_alerts = _full_would_change(engine, registry, now)
            assert after[0] == before[0], (
                f"hour {step}: response_sla differs from a rebuild: " + _diff(before[0], after[0])
            )
            assert after[1] == before[1], (
                f"hour {step}: alerts differ from a full refresh: " + _diff(before[1], after[1])
            )
            assert (full_sla.written, full_sla.deleted) == (0, 0)
            assert (full_alerts.created, full_alerts.escalated, full_alerts.auto_resolved) == (
                0,
                0,
                0,
            )
        engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
