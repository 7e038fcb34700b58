"""The alert engine: label and clock alerts, one per item and type, escalated in place."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from tests.alerts.conftest import alerts_by_key, events, refresh
from tests.sla.factories import ThreadFactory, at, classify, load
from trustwatch.alerts.lifecycle import transition
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Alert, AlertEvent, Item
from trustwatch.domain import ItemKind
from trustwatch.registry import Alerting, Platform, Registry
from trustwatch.sla.responses import mark_responded_outside

DSL = "Priya Desai <dsl@oakfield.example.org>"
TRUST_LEAD = "Helen Marsh <safeguarding@riverbend.example.org>"
BEFORE_DUE = at("2026-11-26T07:00")  # 3 h before Thursday 10:00
AFTER_DUE = at("2026-11-26T10:30")


def _with_labels(registry: Registry, labels: dict) -> Registry:
    return registry.model_copy(update={"alerting": Alerting.model_validate({"labels": labels})})


def _count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


# --- from classifications ---------------------------------------------------------------


def test_label_alerts_follow_thresholds_and_severities(
    facebook: ThreadFactory, sqlite_engine: Engine, registry: Registry
) -> None:
    a, b, c = (facebook.make(created_at=at("2026-11-20T10:00"), author=f"p{n}") for n in range(3))
    own = facebook.make(created_at=at("2026-11-20T11:00"), from_school=True, kind=ItemKind.POST)
    ids = load(sqlite_engine, [a, b, c, own])
    classify(sqlite_engine, ids[a.external_id], "safeguarding", 0.40, above=True)
    classify(sqlite_engine, ids[b.external_id], "bullying", 0.45, above=False)
    classify(sqlite_engine, ids[b.external_id], "abuse", 0.62, above=False)
    classify(sqlite_engine, ids[c.external_id], "complaint", 0.90, above=True)
    classify(sqlite_engine, ids[own.external_id], "complaint", 0.99, above=True)
    custom = _with_labels(
        registry,
        {
            "abuse": {"severity": "medium", "threshold": 0.6},
            "complaint": {"severity": "low", "threshold": 0.95},
        },
    )
    summary = refresh(sqlite_engine, custom, at("2026-11-20T12:00"))
    alerts = alerts_by_key(sqlite_engine)
    assert set(alerts) == {f"safeguarding:{ids[a.external_id]}", f"abuse:{ids[b.external_id]}"}
    critical = alerts[f"safeguarding:{ids[a.external_id]}"]
    assert (critical.severity, critical.status, critical.score) == ("critical", "open", 0.40)
    assert critical.routed_to == [DSL, TRUST_LEAD], "critical goes to the trust lead too"
    assert alerts[f"abuse:{ids[b.external_id]}"].routed_to == [DSL]
    assert summary.created == 2
    first_event = events(sqlite_engine, critical.alert_id)[0]
    assert (first_event.event, first_event.actor, first_event.to_status) == (
        "created",
        "trustwatch",
        "open",
    )


def test_newest_score_decides(
    facebook: ThreadFactory, sqlite_engine: Engine, registry: Registry
) -> None:
    item = facebook.make(created_at=at("2026-11-20T10:00"))
    item_id = load(sqlite_engine, [item])[item.external_id]
    classify(
        sqlite_engine,
        item_id,
        "hate",
        0.8,
        above=True,
        model_version="v1",
        at_time=at("2026-11-20T10:05"),
    )
    classify(
        sqlite_engine,
        item_id,
        "hate",
        0.1,
        above=False,
        model_version="v2",
        at_time=at("2026-11-21T10:05"),
    )
    refresh(sqlite_engine, registry, at("2026-11-22T12:00"))
    assert not any(k.startswith("hate:") for k in alerts_by_key(sqlite_engine))


def test_public_mention_goes_to_the_trust_lead(
    facebook: ThreadFactory, sqlite_engine: Engine, registry: Registry
) -> None:
    mention = facebook.make(
        created_at=at("2026-11-20T10:00"), on_account=False, kind=ItemKind.MENTION
    )
    item_id = load(sqlite_engine, [mention])[mention.external_id]
    classify(sqlite_engine, item_id, "bullying", 0.9, above=True)
    refresh(sqlite_engine, registry, at("2026-11-20T12:00"))
    alert = alerts_by_key(sqlite_engine)[f"bullying:{item_id}"]
    assert alert.school_id is None and alert.routed_to == [TRUST_LEAD]


def test_rerun_never_duplicates(
    facebook: ThreadFactory, sqlite_engine: Engine, registry: Registry
) -> None:
    item = facebook.make(created_at=at("2026-11-25T10:00"))
    item_id = load(sqlite_engine, [item])[item.external_id]
    classify(sqlite_engine, item_id, "safeguarding", 0.9, above=True)
    first = refresh(sqlite_engine, registry, BEFORE_DUE)
    counts = (_count(sqlite_engine, Alert), _count(sqlite_engine, AlertEvent))
    second = refresh(sqlite_engine, registry, BEFORE_DUE)
    assert (first.created, second.created, second.escalated) == (2, 0, 0)
    assert second.mode == "incremental" and second.unchanged >= 1
    third = refresh(sqlite_engine, registry, BEFORE_DUE, full=True)
    assert (third.mode, third.created, third.escalated, third.unchanged) == ("full", 0, 0, 2)
    assert (_count(sqlite_engine, Alert), _count(sqlite_engine, AlertEvent)) == counts == (2, 2)


def test_registry_raising_a_severity_escalates_in_place(
    facebook: ThreadFactory, sqlite_engine: Engine, registry: Registry
) -> None:
    item = facebook.make(created_at=at("2026-11-20T10:00"))
    item_id = load(sqlite_engine, [item])[item.external_id]
    classify(sqlite_engine, item_id, "abuse", 0.9, above=True)
    refresh(sqlite_engine, registry, at("2026-11-20T11:00"))
    with session_scope(sqlite_engine) as session:
        alert_id = session.scalar(select(Alert.alert_id))
        transition(session, alert_id=alert_id, to_status="resolved", actor="Priya Desai")
    summary = refresh(
        sqlite_engine,
        _with_labels(registry, {"abuse": {"severity": "critical"}}),
        at("2026-11-20T11:00"),
    )
    alert = alerts_by_key(sqlite_engine)[f"abuse:{item_id}"]
    assert summary.escalated == 1 and summary.reopened == 0
    assert (alert.alert_id, alert.severity, alert.status) == (alert_id, "critical", "resolved")
    assert TRUST_LEAD in alert.routed_to


# --- from the clock ---------------------------------------------------------------------


def test_at_risk_escalates_to_breached_in_place(
    sqlite_engine: Engine, registry: Registry, visitor_post: int
) -> None:
    assert refresh(sqlite_engine, registry, at("2026-11-26T05:00")).created == 0, "5 h left: fine"
    assert refresh(sqlite_engine, registry, BEFORE_DUE).created == 1
    at_risk = alerts_by_key(sqlite_engine)[f"sla:{visitor_post}"]
    assert (at_risk.alert_type, at_risk.severity, at_risk.status) == (
        "sla_at_risk",
        "medium",
        "open",
    )
    summary = refresh(sqlite_engine, registry, AFTER_DUE)
    assert (summary.created, summary.escalated) == (0, 1)
    breached = alerts_by_key(sqlite_engine)[f"sla:{visitor_post}"]
    assert breached.alert_id == at_risk.alert_id
    assert (breached.alert_type, breached.severity) == ("sla_breached", "high")
    log = events(sqlite_engine, breached.alert_id)
    assert [(e.event, e.from_severity, e.to_severity) for e in log] == [
        ("created", None, "medium"),
        ("escalated", "medium", "high"),
    ]
    again = refresh(sqlite_engine, registry, AFTER_DUE)
    assert (again.created, again.escalated, again.unchanged) == (0, 0, 1)
    assert _count(sqlite_engine, Alert) == 1 and _count(sqlite_engine, AlertEvent) == 2


def test_breach_reopens_a_dismissed_at_risk_alert(
    sqlite_engine: Engine, registry: Registry, visitor_post: int
) -> None:
    refresh(sqlite_engine, registry, BEFORE_DUE)
    alert_id = alerts_by_key(sqlite_engine)[f"sla:{visitor_post}"].alert_id
    with session_scope(sqlite_engine) as session:
        transition(
            session,
            alert_id=alert_id,
            to_status="dismissed",
            actor="Tom Hughes",
            note="will answer",
        )
    summary = refresh(sqlite_engine, registry, AFTER_DUE)
    alert = alerts_by_key(sqlite_engine)[f"sla:{visitor_post}"]
    assert summary.reopened == 1 and alert.status == "open" and alert.alert_type == "sla_breached"
    assert events(sqlite_engine, alert_id)[-1].from_status == "dismissed"


def test_answer_in_time_resolves_the_at_risk_alert(
    sqlite_engine: Engine, registry: Registry, visitor_post: int
) -> None:
    refresh(sqlite_engine, registry, BEFORE_DUE)
    with session_scope(sqlite_engine) as session:
        mark_responded_outside(
            session,
            item_id=visitor_post,
            actor="Priya Desai",
            note="phoned",
            at=at("2026-11-26T08:00"),
        )
    summary = refresh(sqlite_engine, registry, AFTER_DUE)
    alert = alerts_by_key(sqlite_engine)[f"sla:{visitor_post}"]
    assert summary.auto_resolved == 1
    assert (alert.alert_type, alert.status) == ("sla_at_risk", "resolved")
    assert events(sqlite_engine, alert.alert_id)[-1].event == "auto_resolved"


def test_open_breach_found_late_is_raised_as_breached(
    sqlite_engine: Engine, registry: Registry, visitor_post: int
) -> None:
    refresh(sqlite_engine, registry, at("2026-11-30T09:00"))
    alert = alerts_by_key(sqlite_engine)[f"sla:{visitor_post}"]
    assert (alert.alert_type, alert.severity) == ("sla_breached", "high")


def test_late_answer_without_an_earlier_alert_raises_nothing(
    facebook: ThreadFactory, sqlite_engine: Engine, registry: Registry, visitor_post: int
) -> None:
    with session_scope(sqlite_engine) as session:
        root = session.get(Item, visitor_post).external_id
    load(
        sqlite_engine,
        [
            facebook.make(
                created_at=at("2026-11-27T09:00"), from_school=True, parent=root, root=root
            )
        ],
    )
    summary = refresh(sqlite_engine, registry, at("2026-11-30T09:00"))
    assert summary.created == 0 and alerts_by_key(sqlite_engine) == {}


@pytest.mark.postgres
def test_escalation_and_rerun_on_postgresql(pg_engine: Engine, registry: Registry) -> None:
    fb = ThreadFactory(pg_engine, registry, "oakfield", Platform.FACEBOOK)
    post = fb.make(created_at=at("2026-11-25T10:00"), kind=ItemKind.VISITOR_POST)
    item_id = load(pg_engine, [post])[post.external_id]
    classify(pg_engine, item_id, "safeguarding", 0.9, above=True)
    assert refresh(pg_engine, registry, BEFORE_DUE).created == 2
    assert refresh(pg_engine, registry, AFTER_DUE).escalated == 1
    assert refresh(pg_engine, registry, AFTER_DUE, full=True).unchanged == 2
    alerts = alerts_by_key(pg_engine)
    assert alerts[f"sla:{item_id}"].alert_type == "sla_breached"
    assert alerts[f"safeguarding:{item_id}"].routed_to == [DSL, TRUST_LEAD]
    assert _count(pg_engine, Alert) == 2 and _count(pg_engine, AlertEvent) == 3
