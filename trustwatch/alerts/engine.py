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

**What an hourly run reads.** Only what can change an alert: items given new scores since
the last run (`classifications.classified_at`, then every score of just those items, to
find each label's newest), clocks the SLA job changed since the last run's `now`
(`response_sla.computed_at`), clocks given a manual mark since then
(`manual_responses.marked_at`), and unanswered clocks whose at-risk or due time fell since
then (`response_sla.due_at`, indexed). Existing alerts are fetched by dedupe key for those
candidates only. A first run, `full=True` (`trustwatch alerts refresh --full`), a `now`
before the last run's, or a change to the label rules or the lead time reads everything.
Incremental and full runs leave identical tables (tests/alerts/test_incremental_properties.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from trustwatch.alerts.lifecycle import AlertStatus, record_event
from trustwatch.alerts.routing import route
from trustwatch.db.models import (
    Alert,
    Classification,
    Item,
    ManualResponse,
    ResponseSla,
    School,
    utcnow,
)
from trustwatch.registry import Registry, Severity
from trustwatch.sla.rule import SlaStatus, statuses_many
from trustwatch.warehouse.cursors import OVERLAP, fingerprint, load_cursor, save_cursor

__all__ = ["JOB", "SYSTEM_ACTOR", "RefreshSummary", "refresh_alerts"]

JOB = "alerts"
_IN_CHUNK = 500
_FULL_SLICE = 50_000  # item ids per slice of a full pass

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
    mode: str = "full"

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


def _chunks(values: list, size: int = _IN_CHUNK) -> list[list]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _rescored_items(
    session: Session, registry: Registry, since: dt.datetime, last_id: int | None
) -> list[int]:
    """Items with a score for an alert label added since the last run: a higher id than it
    read, or stamped after its mark (a row committed late); both are indexed."""
    newer = Classification.classified_at > since
    if last_id is not None:
        newer = or_(newer, Classification.classification_id > last_id)
    return sorted(
        set(
            session.scalars(
                select(Classification.item_id).where(
                    newer, Classification.label.in_(list(registry.alerting.labels))
                )
            )
        )
    )


def _label_alerts(
    session: Session, registry: Registry, item_ids: list[int] | None = None
) -> list[_Wanted]:
    """Label alerts wanted for these items (every item when None), from each newest score."""
    out: list[_Wanted] = []
    if item_ids is None:  # everything, a slice of item ids at a time to bound memory
        top = session.scalar(select(func.max(Item.item_id))) or 0
        for low in range(0, top + 1, _FULL_SLICE):
            out += _label_alerts_where(session, registry, (low, low + _FULL_SLICE))
        return out
    for chunk in _chunks(item_ids):
        out += _label_alerts_where(session, registry, chunk)
    return out


def _label_alerts_where(
    session: Session, registry: Registry, item_ids: list[int] | tuple[int, int]
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
    if isinstance(item_ids, tuple):
        query = query.where(
            Classification.item_id >= item_ids[0], Classification.item_id < item_ids[1]
        )
    else:
        query = query.where(Classification.item_id.in_(item_ids))
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


def _clock_states(
    session: Session,
    registry: Registry,
    now: dt.datetime,
    since: dt.datetime | None = None,
    marked_since: dt.datetime | None = None,
) -> pd.DataFrame:
    """Each clock's status at `now`: every clock, or (with `since`) only those that can
    have moved since then: rows the SLA job changed, and unanswered clocks whose at-risk or
    due time fell in (since, now]."""
    query = select(
        ResponseSla.clock_item_id,
        ResponseSla.school_id,
        ResponseSla.due_at,
        ResponseSla.responded_at,
    ).where(ResponseSla.item_id == ResponseSla.clock_item_id)
    if since is None:
        rows = session.execute(query).all()
    else:
        lead = dt.timedelta(hours=registry.alerting.at_risk_lead_hours)
        # Rows the SLA job wrote after the last run: stamped with a later `now`, or with
        # this very `now` when this is a rerun of the same instant.
        stamp = ResponseSla.computed_at
        newer = stamp >= since if since >= now else stamp > since
        changed = session.execute(query.where(newer)).all()
        coming_due = session.execute(
            query.where(
                ResponseSla.due_at > since,
                ResponseSla.due_at <= now + lead,
                ResponseSla.responded_at.is_(None),
            )
        ).all()
        # A manual mark updates its clock's rows in place (the review app shows it at
        # once), so the SLA job may find nothing to write: the mark itself is the change.
        marked_clocks = select(ResponseSla.clock_item_id).where(
            ResponseSla.item_id.in_(
                select(ManualResponse.item_id).where(ManualResponse.marked_at > marked_since)
            )
        )
        marked = session.execute(query.where(ResponseSla.clock_item_id.in_(marked_clocks))).all()
        rows = list({r.clock_item_id: r for r in [*changed, *coming_due, *marked]}.values())
        rows.sort(key=lambda r: r.clock_item_id)
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

    def __init__(self, session: Session, registry: Registry, now: dt.datetime) -> None:
        self.session = session
        self.registry = registry
        self.now = now
        self.summary = RefreshSummary()
        self.schools = {s.school_id: s for s in session.scalars(select(School))}
        self.existing: dict[str, Alert] = {}

    def load(self, keys: list[str] | None) -> None:
        """Fetch existing alerts by dedupe key (all of them when None), for the lookups."""
        if keys is None:
            self.existing.update({a.dedupe_key: a for a in self.session.scalars(select(Alert))})
            return
        wanted = sorted(set(keys) - set(self.existing))
        for chunk in _chunks(wanted):
            for alert in self.session.scalars(select(Alert).where(Alert.dedupe_key.in_(chunk))):
                self.existing[alert.dedupe_key] = alert

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


def _refresh_items(
    session: Session, registry: Registry, now: dt.datetime, item_ids: list[int]
) -> RefreshSummary:
    """Label alerts for just these items, against their existing alerts (the event path)."""
    writer = _Writer(session, registry, now)
    labels = _label_alerts(session, registry, item_ids)
    writer.load([w.dedupe_key for w in labels])
    for chunk in _chunks(item_ids):
        for alert in session.scalars(select(Alert).where(Alert.item_id.in_(chunk))):
            writer.existing.setdefault(alert.dedupe_key, alert)
    _apply_labels(writer, labels)
    session.flush()
    return writer.summary


def rules_fingerprint(registry: Registry) -> str:
    """The label rules and the lead time: when they change, every alert is re-judged."""
    return fingerprint(
        {
            "labels": {
                k: [v.threshold, v.severity.value] for k, v in registry.alerting.labels.items()
            },
            "lead_hours": registry.alerting.at_risk_lead_hours,
        }
    )


def refresh_alerts(
    session: Session,
    registry: Registry,
    *,
    now: dt.datetime,
    full: bool = False,
    only: Collection[int] | None = None,
) -> RefreshSummary:
    """Bring `alerts` up to date with classifications and `response_sla` as of `now`.

    Reads clock statuses afresh at `now` from due and response times, so it is right even
    if the SLA job last ran a while ago; run the SLA job first to pick up new items. Reads
    only what changed since the last run unless a full pass is needed (module docstring).

    `only` limits the run to label alerts of those item ids (the event path, minutes
    after a post); response clocks and the hourly mark are left to the hourly run, which
    owns them.
    """
    if now.tzinfo is None:
        raise ValueError("now has no time zone; pass an aware datetime")
    now = now.astimezone(dt.UTC)
    if only is not None:
        return _refresh_items(session, registry, now, sorted(set(only)))
    started = utcnow()
    stamp = rules_fingerprint(registry)
    cursor = load_cursor(session, JOB)
    incremental = not (
        full
        or cursor is None
        or cursor.fingerprint != stamp
        or cursor.as_of is None
        or cursor.changed_since is None
        or now < cursor.as_of
    )
    writer = _Writer(session, registry, now)
    last_id = session.scalar(select(func.max(Classification.classification_id))) or 0
    if incremental:
        assert cursor is not None and cursor.as_of and cursor.changed_since
        writer.summary.mode = "incremental"
        labels = _label_alerts(
            session,
            registry,
            _rescored_items(session, registry, cursor.changed_since, cursor.last_id),
        )
        clocks = _clock_states(
            session, registry, now, since=cursor.as_of, marked_since=cursor.changed_since
        )
        writer.load([w.dedupe_key for w in labels] + [f"sla:{c}" for c in clocks["clock_item_id"]])
    else:
        labels = _label_alerts(session, registry)
        clocks = _clock_states(session, registry, now)
        writer.load(None)
    _apply_labels(writer, labels)
    _apply_clocks(writer, clocks)
    save_cursor(
        session,
        JOB,
        as_of=now,
        changed_since=started - OVERLAP,
        fingerprint=stamp,
        last_id=last_id,
    )
    session.flush()
    return writer.summary
