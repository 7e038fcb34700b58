"""Raise, escalate and settle alerts from classifications and the response clock.

Alert kinds and their dedupe keys (one alert per item and kind, forever):

- a label alert (`safeguarding`, `bullying`, `hate`, `abuse`, `complaint`), key
  `<label>:<item_id>`, when the item's newest score for that label passes the registry's
  threshold, or, where the registry gives none, the model's own (`is_above_threshold`);
  severity from the registry. A higher severity later (the registry changed) escalates it
  in place. Items written by a school account never raise one.
- a clock alert, key `sla:<clock_item_id>`: `sla_at_risk` (medium) while a clock is
  unanswered with less than `at_risk_lead_hours` left, escalated in place to
  `sla_breached` (high) once the due time passes. An at-risk alert whose clock is then
  answered in time is resolved automatically; an escalation reopens a closed at-risk alert,
  because a breach is news the person who closed it did not have.

Every change writes an `alert_events` row with actor `trustwatch`. Running it twice with
the same `now` changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from trustwatch.alerts.lifecycle import AlertStatus, record_event
from trustwatch.alerts.routing import route
from trustwatch.db.models import Alert, Classification, Item, ResponseSla, School
from trustwatch.registry import Registry, Severity
from trustwatch.sla.rule import SlaStatus, statuses_many

__all__ = ["SYSTEM_ACTOR", "RefreshSummary", "refresh_alerts"]

SYSTEM_ACTOR = "trustwatch"
SLA_AT_RISK = "sla_at_risk"
SLA_BREACHED = "sla_breached"
_SLA_SEVERITY = {SLA_AT_RISK: Severity.MEDIUM.value, SLA_BREACHED: Severity.HIGH.value}
_RANK = {Severity.LOW.value: 0, Severity.MEDIUM.value: 1, Severity.HIGH.value: 2}
_RANK[Severity.CRITICAL.value] = 3
_CLOSED = {AlertStatus.RESOLVED.value, AlertStatus.DISMISSED.value}


@dataclass
class RefreshSummary:
    created: int = 0
    escalated: int = 0
    reopened: int = 0
    auto_resolved: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.escalated} escalated ({self.reopened} reopened), "
            f"{self.auto_resolved} resolved automatically, {self.unchanged} unchanged"
        )


@dataclass(frozen=True)
class _Wanted:
    dedupe_key: str
    item_id: int
    school_id: int | None
    alert_type: str
    severity: str
    score: float | None = None
    model_version: str | None = None


def _label_alerts(
    session: Session, registry: Registry, only: Collection[int] | None = None
) -> list[_Wanted]:
    labels = registry.alerting.labels
    query = (
        select(
            Classification.classification_id,
            Classification.item_id,
            Classification.label,
            Classification.score,
            Classification.is_above_threshold,
            Classification.model_version,
            Classification.classified_at,
            Item.school_id,
        )
        .join(Item, Item.item_id == Classification.item_id)
        .where(Classification.label.in_(list(labels)), Item.is_from_school.is_(False))
    )
    if only is not None:
        query = query.where(Classification.item_id.in_(list(only)))
    rows = session.execute(query).all()
    if not rows:
        return []
    frame = pd.DataFrame(rows, columns=list(rows[0]._fields))
    newest = (
        frame.sort_values(["classified_at", "classification_id"])
        .groupby(["item_id", "label"], as_index=False)
        .tail(1)
    )
    wanted: list[_Wanted] = []
    for rec in newest.itertuples(index=False):
        rule = labels[rec.label]
        fired = (
            bool(rec.is_above_threshold) if rule.threshold is None else rec.score >= rule.threshold
        )
        if fired:
            wanted.append(
                _Wanted(
                    dedupe_key=f"{rec.label}:{rec.item_id}",
                    item_id=int(rec.item_id),
                    school_id=None if pd.isna(rec.school_id) else int(rec.school_id),
                    alert_type=rec.label,
                    severity=rule.severity.value,
                    score=float(rec.score),
                    model_version=rec.model_version,
                )
            )
    return wanted


def _clock_states(session: Session, registry: Registry, now: dt.datetime) -> pd.DataFrame:
    rows = session.execute(
        select(
            ResponseSla.clock_item_id,
            ResponseSla.school_id,
            ResponseSla.due_at,
            ResponseSla.responded_at,
        ).where(ResponseSla.item_id == ResponseSla.clock_item_id)
    ).all()
    frame = pd.DataFrame(rows, columns=["clock_item_id", "school_id", "due_at", "responded_at"])
    if frame.empty:
        return frame.assign(status=[])
    frame["status"] = statuses_many(
        pd.to_datetime(frame["due_at"], utc=True),
        pd.to_datetime(frame["responded_at"], utc=True),
        now,
        lead_hours=registry.alerting.at_risk_lead_hours,
    )
    return frame


def _sla_wanted(clock_item_id: int, school_id: int, alert_type: str) -> _Wanted:
    return _Wanted(
        dedupe_key=f"sla:{clock_item_id}",
        item_id=clock_item_id,
        school_id=school_id,
        alert_type=alert_type,
        severity=_SLA_SEVERITY[alert_type],
    )


class _Writer:
    """Applies wanted alerts to the table, counting what it did."""

    def __init__(
        self,
        session: Session,
        registry: Registry,
        now: dt.datetime,
        only: Collection[int] | None = None,
    ) -> None:
        self.session = session
        self.registry = registry
        self.now = now
        self.summary = RefreshSummary()
        self.schools = {s.school_id: s for s in session.scalars(select(School))}
        alerts = select(Alert)
        if only is not None:  # the event path touches only its items' alerts
            alerts = alerts.where(Alert.item_id.in_(list(only)))
        self.existing = {a.dedupe_key: a for a in session.scalars(alerts)}

    def _routes(self, school_id: int | None, severity: str) -> list[str]:
        return route(self.registry, self.schools.get(school_id) if school_id else None, severity)

    def create(self, want: _Wanted) -> None:
        alert = Alert(
            dedupe_key=want.dedupe_key,
            item_id=want.item_id,
            school_id=want.school_id,
            alert_type=want.alert_type,
            severity=want.severity,
            status=AlertStatus.OPEN.value,
            score=want.score,
            model_version=want.model_version,
            routed_to=self._routes(want.school_id, want.severity),
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(alert)
        record_event(
            self.session,
            alert,
            event="created",
            actor=SYSTEM_ACTOR,
            at=self.now,
            to_status=alert.status,
            to_severity=alert.severity,
            note=f"raised as {want.alert_type}",
        )
        self.existing[want.dedupe_key] = alert
        self.summary.created += 1

    def escalate(self, alert: Alert, want: _Wanted, *, reopen: bool, note: str) -> None:
        from_status, from_severity = alert.status, alert.severity
        to_status = AlertStatus.OPEN.value if reopen and alert.status in _CLOSED else alert.status
        record_event(
            self.session,
            alert,
            event="escalated",
            actor=SYSTEM_ACTOR,
            at=self.now,
            from_status=from_status,
            to_status=to_status,
            from_severity=from_severity,
            to_severity=want.severity,
            note=note,
        )
        alert.alert_type = want.alert_type
        alert.severity = want.severity
        alert.status = to_status
        alert.routed_to = self._routes(alert.school_id, want.severity)
        if want.score is not None:
            alert.score, alert.model_version = want.score, want.model_version
        self.summary.escalated += 1
        self.summary.reopened += int(to_status != from_status)

    def resolve(self, alert: Alert, note: str) -> None:
        record_event(
            self.session,
            alert,
            event="auto_resolved",
            actor=SYSTEM_ACTOR,
            at=self.now,
            from_status=alert.status,
            to_status=AlertStatus.RESOLVED.value,
            note=note,
        )
        alert.status = AlertStatus.RESOLVED.value
        self.summary.auto_resolved += 1


def _apply_labels(writer: _Writer, wanted: list[_Wanted]) -> None:
    for want in wanted:
        alert = writer.existing.get(want.dedupe_key)
        if alert is None:
            writer.create(want)
        elif _RANK[want.severity] > _RANK[alert.severity]:
            writer.escalate(
                alert, want, reopen=False, note=f"{want.alert_type} severity is now {want.severity}"
            )
        else:
            writer.summary.unchanged += 1


def _apply_clocks(writer: _Writer, clocks: pd.DataFrame) -> None:
    for rec in clocks.itertuples(index=False):
        key = f"sla:{rec.clock_item_id}"
        alert = writer.existing.get(key)
        status = rec.status
        if status == SlaStatus.AT_RISK.value:
            if alert is None:
                writer.create(_sla_wanted(rec.clock_item_id, rec.school_id, SLA_AT_RISK))
            else:
                writer.summary.unchanged += 1
        elif status in (SlaStatus.OPEN_BREACHED.value, SlaStatus.BREACHED.value):
            want = _sla_wanted(rec.clock_item_id, rec.school_id, SLA_BREACHED)
            if alert is None:
                if status == SlaStatus.OPEN_BREACHED.value:
                    writer.create(want)
            elif alert.alert_type == SLA_AT_RISK:
                late = "answered late" if status == SlaStatus.BREACHED.value else "still unanswered"
                writer.escalate(alert, want, reopen=True, note=f"due time passed; {late}")
            else:
                writer.summary.unchanged += 1
        elif (
            status == SlaStatus.MET.value
            and alert is not None
            and alert.alert_type == SLA_AT_RISK
            and alert.status not in _CLOSED
        ):
            writer.resolve(alert, "answered in time")
        elif alert is not None:
            writer.summary.unchanged += 1


def refresh_alerts(
    session: Session,
    registry: Registry,
    *,
    now: dt.datetime,
    only: Collection[int] | None = None,
) -> RefreshSummary:
    """Bring `alerts` up to date with classifications and `response_sla` as of `now`.

    Reads clock statuses afresh at `now` from due and response times, so it is right even
    if the SLA job last ran a while ago; run the SLA job first to pick up new items.

    `only` limits the run to label alerts of those item ids (the event path, minutes
    after a post); response clocks are left to the hourly run, which owns them.
    """
    if now.tzinfo is None:
        raise ValueError("now has no time zone; pass an aware datetime")
    now = now.astimezone(dt.UTC)
    writer = _Writer(session, registry, now, only)
    _apply_labels(writer, _label_alerts(session, registry, only))
    if only is None:
        _apply_clocks(writer, _clock_states(session, registry, now))
    session.flush()
    return writer.summary
