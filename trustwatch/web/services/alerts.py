"""The lead's alert queue and alert detail (reads only; changes go through the lifecycle).

The queue is for safeguarding leads only (never data staff), so it shows a short snippet
of the flagged text: enough to triage without opening every alert. The full text, the
author and the thread are on the detail page, and every opening of it is audited.
Response-time alerts belong to the account administrators' inbox and are left out
unless the registry sets `alerting.response_alerts_to_leads`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, case, func, select, true
from sqlalchemy.orm import Session

from classifiers.active import serving_hate_rules, serving_normalisation
from classifiers.hate_rules import codes_matched
from classifiers.text import model_reading
from trustwatch.alerts.engine import SLA_AT_RISK, SLA_BREACHED
from trustwatch.db.models import (
    Alert,
    AlertEvent,
    Author,
    Classification,
    Item,
    ResponseSla,
    School,
    WebUser,
)
from trustwatch.web.services.listing import Window, snippet, snippet_source
from trustwatch.web.services.scope import school_clause

SEVERITY_ORDER = ("critical", "high", "medium", "low")
STATUSES = ("open", "acknowledged", "resolved", "dismissed")
ACTIVE_STATUSES = ("open", "acknowledged")
STATUS_FILTERS = ("active", *STATUSES, "all")
RESPONSE_TYPES = (SLA_AT_RISK, SLA_BREACHED)
SORTS = {
    "severity": "most severe first",
    "posted": "newest post first",
    "due": "response due first",
}
PAGE_SIZE = 50
THREAD_LIMIT = 60
SNIPPET_CHARS = 160

_severity_rank = case(
    {name: rank for rank, name in enumerate(SEVERITY_ORDER)},
    value=Alert.severity,
    else_=len(SEVERITY_ORDER),
)


@dataclass(frozen=True)
class QueueFilters:
    school: str = ""
    platform: str = ""
    alert_type: str = ""
    severity: str = ""
    status: str = "active"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    mine: bool = False
    sort: str = "severity"
    page: int = 1

    def as_audit(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in ("", None, False)}

    def query(self, **override: object) -> str:
        """The query string for these filters with some changed (links keep the others)."""
        from urllib.parse import urlencode

        values = {
            "school": self.school,
            "platform": self.platform,
            "type": self.alert_type,
            "severity": self.severity,
            "status": self.status,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "mine": "1" if self.mine else "",
            "sort": self.sort,
            "page": str(self.page),
        }
        values.update({k: str(v) for k, v in override.items()})
        return urlencode({k: v for k, v in values.items() if v and v != "0"})


@dataclass(frozen=True)
class QueueRow:
    alert: Alert
    school_name: str | None
    school_key: str | None
    platform: str
    posted_at: dt.datetime
    snippet: str | None
    text_purged: bool
    due_at: dt.datetime | None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    first: int
    last: int
    by_severity: list[tuple[str, int]]
    by_type: list[tuple[str, int]]
    mine_count: int


def lead_types_clause(response_alerts_to_leads: bool) -> ColumnElement[bool]:
    """Label alerts only, unless the trust routes response-time alerts to leads as well."""
    if response_alerts_to_leads:
        return true()
    return Alert.alert_type.not_in(RESPONSE_TYPES)


def _visible(user: WebUser, response_alerts_to_leads: bool) -> Select[tuple[Alert]]:
    return (
        select(Alert)
        .join(Item, Item.item_id == Alert.item_id)
        .outerjoin(School, School.school_id == Alert.school_id)
        .where(school_clause(user, Alert.school_id), lead_types_clause(response_alerts_to_leads))
    )


def _day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def _filtered(
    stmt: Select, filters: QueueFilters, user: WebUser, zone: dt.tzinfo, *, facets: bool = True
) -> Select:
    """Apply the filters; `facets=False` leaves out type and severity (for the counts)."""
    if filters.school:
        stmt = stmt.where(School.school_key == filters.school)
    if filters.platform:
        stmt = stmt.where(Item.platform == filters.platform)
    if facets and filters.alert_type:
        stmt = stmt.where(Alert.alert_type == filters.alert_type)
    if facets and filters.severity:
        stmt = stmt.where(Alert.severity == filters.severity)
    if filters.status == "active":
        stmt = stmt.where(Alert.status.in_(ACTIVE_STATUSES))
    elif filters.status in STATUSES:
        stmt = stmt.where(Alert.status == filters.status)
    if filters.mine:
        stmt = stmt.where(Alert.assigned_to == user.email)
    # Dates are the post's own time on the platform, in the trust's zone.
    if filters.date_from:
        stmt = stmt.where(Item.created_at >= _day_start(filters.date_from, zone))
    if filters.date_to:
        stmt = stmt.where(
            Item.created_at < _day_start(filters.date_to + dt.timedelta(days=1), zone)
        )
    return stmt


def _counts(session: Session, stmt: Select, column: ColumnElement[str]) -> dict[str, int]:
    grouped = stmt.with_only_columns(column, func.count()).group_by(column).order_by(None)
    return {key: n for key, n in session.execute(grouped).tuples()}


def queue(
    session: Session,
    *,
    user: WebUser,
    filters: QueueFilters,
    zone: dt.tzinfo,
    response_alerts_to_leads: bool = False,
) -> QueuePage:
    """One page of the alerts the user may see, with counts per severity and type on top."""
    base = _visible(user, response_alerts_to_leads)
    faceted = _filtered(base, filters, user, zone, facets=False)
    severities = _counts(session, faceted, Alert.severity)
    types = _counts(session, faceted, Alert.alert_type)
    stmt = _filtered(base, filters, user, zone)
    total = session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    mine_stmt = _filtered(base, QueueFilters(**{**filters.__dict__, "mine": True}), user, zone)
    mine_count = session.scalar(mine_stmt.with_only_columns(func.count()).order_by(None)) or 0
    window = Window.at(total, filters.page, PAGE_SIZE)
    owed = and_(ResponseSla.item_id == Alert.item_id, ResponseSla.responded_at.is_(None))
    stmt = stmt.outerjoin(ResponseSla, owed).with_only_columns(
        Alert,
        School.name,
        School.school_key,
        Item.platform,
        Item.created_at,
        snippet_source(Item.text, SNIPPET_CHARS),
        Item.text_purged_at,
        ResponseSla.due_at,
    )
    if filters.sort == "posted":
        order = (Item.created_at.desc(), Alert.alert_id.desc())
    elif filters.sort == "due":
        order = (ResponseSla.due_at.is_(None), ResponseSla.due_at, _severity_rank, Alert.alert_id)
    else:
        order = (_severity_rank, Item.created_at, Alert.alert_id)
    rows = session.execute(window.rows(stmt.order_by(*order)))
    out = [
        QueueRow(
            alert=alert,
            school_name=name,
            school_key=key,
            platform=platform,
            posted_at=posted,
            snippet=snippet(text, SNIPPET_CHARS),
            text_purged=purged is not None,
            due_at=due,
        )
        for alert, name, key, platform, posted, text, purged, due in rows.tuples()
    ]
    return QueuePage(
        rows=out,
        **window.counts(len(out)),
        by_severity=[(s, severities[s]) for s in SEVERITY_ORDER if s in severities],
        by_type=sorted(types.items(), key=lambda kv: (-kv[1], kv[0])),
        mine_count=mine_count,
    )


def filter_choices(
    session: Session, *, user: WebUser, response_alerts_to_leads: bool = False
) -> dict[str, list[str]]:
    """Platforms and alert types that occur in the user's alerts, for the filter menus."""
    base = _visible(user, response_alerts_to_leads)
    return {
        "platforms": sorted(session.scalars(base.with_only_columns(Item.platform).distinct())),
        "alert_types": sorted(session.scalars(base.with_only_columns(Alert.alert_type).distinct())),
        "statuses": list(STATUS_FILTERS),
        "severities": list(SEVERITY_ORDER),
    }


@dataclass(frozen=True)
class ThreadEntry:
    item: Item
    is_flagged: bool
    is_same_author: bool
    author_label: str


@dataclass
class AlertDetail:
    alert: Alert
    item: Item
    school: School | None
    author: Author | None
    thread: list[ThreadEntry]
    scores: list[Classification]
    events: list[AlertEvent]
    sla: ResponseSla | None
    thread_truncated: bool = False
    other_alerts: list[Alert] = field(default_factory=list)
    # The post as the serving model reads it, where that differs (classifiers.text).
    reading: str | None = None
    # Codes that raised hate whatever the network said (classifiers.hate_rules).
    hate_codes: list[str] = field(default_factory=list)


def get_visible_alert(session: Session, *, user: WebUser, alert_id: int) -> Alert | None:
    """The alert if the user's scope includes it; None reads as 404, never as 403."""
    return session.scalar(
        select(Alert).where(Alert.alert_id == alert_id, school_clause(user, Alert.school_id))
    )


def _author_label(item: Item, flagged: Item) -> str:
    """Thread authors other than the flagged one appear as short pseudonyms, not handles."""
    if item.is_from_school:
        return "school account"
    if item.author_key is None:
        return "unknown author"
    if item.author_key == flagged.author_key:
        return "flagged author"
    return f"author {item.author_key[:8]}"


def thread_of(session: Session, item: Item, user: WebUser) -> tuple[list[ThreadEntry], bool]:
    """The conversation around an item, at most THREAD_LIMIT entries centred on it.

    Only items of schools the viewer may see: a thread can cross schools (one school's
    account replying on another's page, or a public mention thread), and a school's lead
    must not read another school's items through it.
    """
    root = item.thread_root_external_id or item.external_id
    rows = list(
        session.scalars(
            select(Item)
            .where(
                Item.platform == item.platform,
                (Item.thread_root_external_id == root) | (Item.external_id == root),
                school_clause(user, Item.school_id) | (Item.item_id == item.item_id),
            )
            .order_by(Item.created_at, Item.item_id)
        )
    )
    truncated = len(rows) > THREAD_LIMIT
    if truncated:
        index = next(i for i, r in enumerate(rows) if r.item_id == item.item_id)
        start = max(0, min(index - THREAD_LIMIT // 2, len(rows) - THREAD_LIMIT))
        rows = rows[start : start + THREAD_LIMIT]
    entries = [
        ThreadEntry(
            item=row,
            is_flagged=row.item_id == item.item_id,
            is_same_author=row.author_key is not None and row.author_key == item.author_key,
            author_label=_author_label(row, item),
        )
        for row in rows
    ]
    return entries, truncated


def reading_of(item: Item) -> str | None:
    """How the serving model read the post, where that differs from its text (see
    classifiers.text.model_reading); nothing once retention has removed the text."""
    return None if item.text_purged_at else model_reading(item.text, serving_normalisation())


def hate_codes_of(item: Item) -> list[str]:
    """The hate codes in the post that the serving model's backstop raises on, so a lead can
    see a flag came from "14/88" or a swastika rather than from the network's reading."""
    rules = serving_hate_rules()
    if item.text_purged_at or not rules:
        return []
    return codes_matched(item.text, rules)


def detail(session: Session, *, alert: Alert, user: WebUser) -> AlertDetail:
    item = session.get_one(Item, alert.item_id)
    thread, truncated = thread_of(session, item, user)
    scores = list(
        session.scalars(
            select(Classification)
            .where(Classification.item_id == item.item_id)
            .order_by(Classification.classified_at.desc(), Classification.label)
        )
    )
    others = list(
        session.scalars(
            select(Alert)
            .where(Alert.item_id == item.item_id, Alert.alert_id != alert.alert_id)
            .order_by(Alert.alert_id)
        )
    )
    return AlertDetail(
        alert=alert,
        item=item,
        school=session.get(School, alert.school_id) if alert.school_id else None,
        author=session.get(Author, item.author_key) if item.author_key else None,
        thread=thread,
        scores=scores,
        events=list(
            session.scalars(
                select(AlertEvent)
                .where(AlertEvent.alert_id == alert.alert_id)
                .order_by(AlertEvent.at, AlertEvent.alert_event_id)
            )
        ),
        sla=session.get(ResponseSla, item.item_id),
        thread_truncated=truncated,
        other_alerts=others,
        reading=reading_of(item),
        hate_codes=hate_codes_of(item),
    )


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    actor: str
    what: str
    note: str | None


_EVENT_WORDS = {
    "created": "raised",
    "escalated": "escalated",
    "transition": "status changed",
    "assigned": "assigned",
    "auto_resolved": "resolved automatically",
}


def history(events: list[AlertEvent]) -> list[HistoryLine]:
    """Each event as one readable sentence, so no template whitespace can run words together."""
    lines = []
    for ev in events:
        parts = [_EVENT_WORDS.get(ev.event, ev.event.replace("_", " "))]
        if ev.from_status or ev.to_status:
            if ev.from_status and ev.to_status and ev.from_status != ev.to_status:
                parts.append(f"status {ev.from_status} → {ev.to_status}")
            elif ev.to_status:
                parts.append(f"status {ev.to_status}")
        if ev.to_severity and ev.from_severity != ev.to_severity:
            if ev.from_severity:
                parts.append(f"severity {ev.from_severity} → {ev.to_severity}")
            else:
                parts.append(f"severity {ev.to_severity}")
        lines.append(HistoryLine(at=ev.at, actor=ev.actor, what=", ".join(parts), note=ev.note))
    return lines
