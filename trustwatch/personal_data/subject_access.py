"""Subject access: everything the warehouse holds about one person, as one JSON document.

The format (`"format": "trustwatch.personal_data.subject_access/1"`) is documented in
docs/data-protection.md. It holds the author record, each of their items with text,
timestamps and raw payload, the classifier's labels and scores for each item, alerts
raised on those items with their history, SLA rows, manual-response marks and the leads'
verdicts on the labels (what was decided and when, not which member of staff); plus the
ids (never the text) of other people's items that mention the handle, since those hold
third-party data a person must review before disclosure; quarantined records that name
them (raw bodies that failed to load); webhook events not yet processed whose payload
names them; staff notes elsewhere that name them; and the
report files on disk that quote them. Every export is itself recorded in `audit_log`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from trustwatch.db.models import (
    Account,
    Alert,
    AlertEvent,
    AuditLog,
    Author,
    Base,
    Classification,
    InboundEvent,
    Item,
    LabelVerdict,
    ManualResponse,
    Notification,
    Quarantine,
    ResponseSla,
    School,
)
from trustwatch.personal_data.identify import (
    Subject,
    find_subject,
    handle_pattern,
    identity_pattern,
    json_mentions,
)
from trustwatch.personal_data.report_files import reports_naming
from trustwatch.personal_data.staff_text import note_columns

FORMAT = "trustwatch.personal_data.subject_access/1"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _fields(row: Any, names: tuple[str, ...], **given: Any) -> dict[str, Any]:
    """`row`'s attributes `names`, in that order (the document's key order), datetimes as
    ISO 8601 text; `given` supplies the values a row does not carry itself (joined columns)."""
    out = {}
    for name in names:
        value = given[name] if name in given else getattr(row, name)
        out[name] = _iso(value) if isinstance(value, dt.datetime) else value
    return out


@dataclass(frozen=True)
class _Table:
    """How one table's rows appear under their parent row (an item or an alert).

    One spec per table, so every section is read and shaped the same way: the rows whose
    `parent` column names the parent, in `order_by` order, each showing `fields` and then,
    by key, the rows of `children` tables that hang under it. A `single` table holds at
    most one row per parent and shows as that row or None.
    """

    model: type[Base]
    parent: str
    order_by: tuple[str, ...]
    fields: tuple[str, ...]
    children: tuple[tuple[str, _Table], ...] = ()
    single: bool = False

    def under(self, session: Session, parent_id: int) -> Any:
        """The rows under `parent_id`, as the document shows them."""
        column = partial(getattr, self.model)
        rows = session.scalars(
            select(self.model)
            .where(column(self.parent) == parent_id)
            .order_by(*map(column, self.order_by))
        ).all()
        shown = [self._show(session, row) for row in rows]
        if self.single:
            return shown[0] if shown else None
        return shown

    def _show(self, session: Session, row: Base) -> dict[str, Any]:
        out = _fields(row, self.fields)
        if self.children:
            (row_id,) = inspect(row).identity
            out.update((key, table.under(session, row_id)) for key, table in self.children)
        return out


_AUTHOR_FIELDS = (
    "author_key",
    "platform",
    "platform_author_id",
    "handle",
    "display_name",
    "profile_url",
    "first_seen_at",
    "last_seen_at",
    "erased_at",
)
_ITEM_FIELDS = (
    "item_id",
    "platform",
    "external_id",
    "kind",
    "school",
    "school_account",
    "parent_external_id",
    "thread_root_external_id",
    "created_at",
    "ingested_at",
    "text",
    "language",
    "url",
    "is_deleted",
    "raw",
    "text_purged_at",
    "raw_purged_at",
)
# Who was told about an alert, how and when (messages carry no post text).
_NOTIFICATIONS = _Table(
    Notification,
    parent="alert_id",
    order_by=("notification_id",),
    fields=("channel", "state", "status", "sent_at"),
)
_ALERT_EVENTS = _Table(
    AlertEvent,
    parent="alert_id",
    order_by=("alert_event_id",),
    fields=(
        "event",
        "from_status",
        "to_status",
        "from_severity",
        "to_severity",
        "actor",
        "note",
        "at",
    ),
)
# What the document holds under each of their items, by key, in this order.
_UNDER_ITEM: tuple[tuple[str, _Table], ...] = (
    (
        "classifications",
        _Table(
            Classification,
            parent="item_id",
            order_by=("classified_at", "label"),
            fields=("label", "score", "is_above_threshold", "model_version", "classified_at"),
        ),
    ),
    (
        "alerts",
        _Table(
            Alert,
            parent="item_id",
            order_by=("alert_id",),
            fields=(
                "alert_id",
                "alert_type",
                "severity",
                "status",
                "score",
                "created_at",
                "updated_at",
            ),
            children=(("notifications", _NOTIFICATIONS), ("events", _ALERT_EVENTS)),
        ),
    ),
    (
        "response_sla",
        _Table(
            ResponseSla,
            parent="item_id",
            order_by=(),
            fields=(
                "received_at",
                "due_at",
                "responded_at",
                "response_seconds",
                "status",
                "responded_manually_note",
            ),
            single=True,
        ),
    ),
    (
        "manual_responses",
        _Table(
            ManualResponse,
            parent="item_id",
            order_by=("marked_at", "manual_response_id"),
            fields=("responded_at", "marked_by", "note", "marked_at"),
        ),
    ),
    (
        "label_verdicts",
        _Table(
            LabelVerdict,
            parent="item_id",
            order_by=("decided_at", "verdict_id"),
            fields=("label", "verdict", "should_be", "model_version", "decided_at"),
        ),
    ),
)


def _author(author: Author | None) -> dict[str, Any] | None:
    return None if author is None else _fields(author, _AUTHOR_FIELDS)


def _items(session: Session, key: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Item, School.school_key, Account.handle)
        .outerjoin(School, School.school_id == Item.school_id)
        .outerjoin(Account, Account.account_id == Item.account_id)
        .where(Item.author_key == key)
        .order_by(Item.created_at, Item.item_id)
    ).all()
    out = []
    for item, school_key, account_handle in rows:
        shown = _fields(item, _ITEM_FIELDS, school=school_key, school_account=account_handle)
        shown.update((k, table.under(session, item.item_id)) for k, table in _UNDER_ITEM)
        out.append(shown)
    return out


def _mentions(session: Session, subject: Subject) -> list[dict[str, Any]]:
    if not subject.handle:
        return []
    pattern = handle_pattern(subject.handle)
    rows = session.execute(
        select(Item.item_id, Item.external_id, Item.created_at, Item.text).where(
            Item.platform == subject.platform,
            Item.author_key.is_distinct_from(subject.author_key),
            func.lower(Item.text).contains(subject.handle.lower(), autoescape=True),
        )
    ).all()
    return [
        {"item_id": r.item_id, "external_id": r.external_id, "created_at": _iso(r.created_at)}
        for r in rows
        if pattern.search(r.text or "")
    ]


def _quarantined(
    session: Session, subject: Subject, pattern: Any, ids: frozenset[str]
) -> list[dict[str, Any]]:
    """Records of theirs (or naming them) that failed to load, with their raw body."""
    rows = session.scalars(
        select(Quarantine)
        .where(Quarantine.platform == subject.platform)
        .order_by(Quarantine.quarantine_id)
    )
    return [
        _fields(q, ("external_id", "stream", "reason", "payload", "quarantined_at"))
        for q in rows
        if json_mentions(q.payload, pattern, ids) or (pattern and pattern.search(q.reason))
    ]


def _inbound(
    session: Session, subject: Subject, pattern: Any, ids: frozenset[str]
) -> list[dict[str, Any]]:
    """Webhook events waiting to load whose payload names them (processed ones keep none)."""
    rows = session.scalars(
        select(InboundEvent)
        .where(
            InboundEvent.platform == subject.platform,
            InboundEvent.processed_at.is_(None),
            InboundEvent.payload.is_not(None),
        )
        .order_by(InboundEvent.inbound_event_id)
    )
    return [
        {
            "kind": e.kind,
            "object_id": e.object_id,
            "received_at": _iso(e.received_at),
            "payload": e.payload,
        }
        for e in rows
        if json_mentions(e.payload, pattern, ids)
    ]


def _notes_naming(session: Session, pattern: Any) -> list[dict[str, Any]]:
    """Staff notes anywhere (not only on their items) that name them, for the DPO's review."""
    if pattern is None:
        return []
    out = []
    for table, text, at in note_columns():
        key = next(iter(table.primary_key.columns))
        for row_id, note, when in session.execute(
            select(key, text, at).where(text.is_not(None)).order_by(key)
        ):
            if pattern.search(note):
                out.append({"table": table.name, "id": row_id, "note": note, "at": _iso(when)})
    return out


def _history(session: Session, key: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(AuditLog)
        .where(AuditLog.target_type == "author", AuditLog.target_id == key)
        .order_by(AuditLog.at, AuditLog.audit_id)
    )
    return [_fields(r, ("action", "actor", "at")) for r in rows]


def export_subject(
    session: Session,
    *,
    platform: str | None,
    handle: str | None,
    platform_author_id: str | None,
    actor: str,
    secret: bytes,
    now: dt.datetime,
) -> dict[str, Any]:
    """Build the subject-access document and audit the export in the caller's transaction."""
    subject = find_subject(
        session,
        platform=platform,
        handle=handle,
        platform_author_id=platform_author_id,
        secret=secret,
    )
    items = _items(session, subject.author_key)
    ids = subject.platform_ids(platform_author_id)
    pattern = identity_pattern(subject.handle, subject.display_name, ids)
    document = {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "platform": subject.platform,
        "author": _author(subject.author),
        "items": items,
        "items_mentioning_handle": _mentions(session, subject),
        "quarantined_records": _quarantined(session, subject, pattern, ids),
        "inbound_events_naming_them": _inbound(session, subject, pattern, ids),
        "staff_notes_naming_them": _notes_naming(session, pattern),
        "reports_quoting_them": reports_naming(pattern, [i["text"] for i in items if i["text"]]),
        "data_protection_history": _history(session, subject.author_key),
    }
    session.add(
        AuditLog(
            actor=actor,
            action="subject_access.export",
            target_type="author",
            target_id=subject.author_key,
            detail={"items": len(items), "mentions": len(document["items_mentioning_handle"])},
            at=now,
        )
    )
    session.flush()
    return document
