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
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustwatch.db.models import (
    Account,
    Alert,
    AuditLog,
    Author,
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
from trustwatch.personal_data.retention import PURGED_ID_PREFIX
from trustwatch.personal_data.staff_text import note_columns

FORMAT = "trustwatch.personal_data.subject_access/1"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _author(author: Author | None) -> dict[str, Any] | None:
    if author is None:
        return None
    return {
        "author_key": author.author_key,
        "platform": author.platform,
        "platform_author_id": author.platform_author_id,
        "handle": author.handle,
        "display_name": author.display_name,
        "profile_url": author.profile_url,
        "first_seen_at": _iso(author.first_seen_at),
        "last_seen_at": _iso(author.last_seen_at),
        "erased_at": _iso(author.erased_at),
    }


def _classifications(session: Session, item_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Classification)
        .where(Classification.item_id == item_id)
        .order_by(Classification.classified_at, Classification.label)
    )
    return [
        {
            "label": c.label,
            "score": c.score,
            "is_above_threshold": c.is_above_threshold,
            "model_version": c.model_version,
            "classified_at": _iso(c.classified_at),
        }
        for c in rows
    ]


def _notifications(session: Session, alert_id: int) -> list[dict[str, Any]]:
    """Who was told about the alert, how and when (messages carry no post text)."""
    rows = session.scalars(
        select(Notification)
        .where(Notification.alert_id == alert_id)
        .order_by(Notification.notification_id)
    )
    return [
        {"channel": n.channel, "state": n.state, "status": n.status, "sent_at": _iso(n.sent_at)}
        for n in rows
    ]


def _alerts(session: Session, item_id: int) -> list[dict[str, Any]]:
    alerts = session.scalars(
        select(Alert).where(Alert.item_id == item_id).order_by(Alert.alert_id)
    ).all()
    return [
        {
            "alert_id": a.alert_id,
            "alert_type": a.alert_type,
            "severity": a.severity,
            "status": a.status,
            "score": a.score,
            "created_at": _iso(a.created_at),
            "updated_at": _iso(a.updated_at),
            "notifications": _notifications(session, a.alert_id),
            "events": [
                {
                    "event": e.event,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "from_severity": e.from_severity,
                    "to_severity": e.to_severity,
                    "actor": e.actor,
                    "note": e.note,
                    "at": _iso(e.at),
                }
                for e in a.events
            ],
        }
        for a in alerts
    ]


def _sla(session: Session, item_id: int) -> dict[str, Any] | None:
    row = session.get(ResponseSla, item_id)
    if row is None:
        return None
    return {
        "received_at": _iso(row.received_at),
        "due_at": _iso(row.due_at),
        "responded_at": _iso(row.responded_at),
        "response_seconds": row.response_seconds,
        "status": row.status,
        "responded_manually_note": row.responded_manually_note,
    }


def _manual_responses(session: Session, item_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ManualResponse)
        .where(ManualResponse.item_id == item_id)
        .order_by(ManualResponse.marked_at, ManualResponse.manual_response_id)
    )
    return [
        {
            "responded_at": _iso(r.responded_at),
            "marked_by": r.marked_by,
            "note": r.note,
            "marked_at": _iso(r.marked_at),
        }
        for r in rows
    ]


def _verdicts(session: Session, item_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(LabelVerdict)
        .where(LabelVerdict.item_id == item_id)
        .order_by(LabelVerdict.decided_at, LabelVerdict.verdict_id)
    )
    return [
        {
            "label": v.label,
            "verdict": v.verdict,
            "should_be": v.should_be,
            "model_version": v.model_version,
            "decided_at": _iso(v.decided_at),
        }
        for v in rows
    ]


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
        out.append(
            {
                "item_id": item.item_id,
                "platform": item.platform,
                "external_id": item.external_id,
                "kind": item.kind,
                "school": school_key,
                "school_account": account_handle,
                "parent_external_id": item.parent_external_id,
                "thread_root_external_id": item.thread_root_external_id,
                "created_at": _iso(item.created_at),
                "ingested_at": _iso(item.ingested_at),
                "text": item.text,
                "language": item.language,
                "url": item.url,
                "is_deleted": item.is_deleted,
                "raw": item.raw,
                "text_purged_at": _iso(item.text_purged_at),
                "raw_purged_at": _iso(item.raw_purged_at),
                "classifications": _classifications(session, item.item_id),
                "alerts": _alerts(session, item.item_id),
                "response_sla": _sla(session, item.item_id),
                "manual_responses": _manual_responses(session, item.item_id),
                "label_verdicts": _verdicts(session, item.item_id),
            }
        )
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


def _ids(subject: Subject, platform_author_id: str | None) -> frozenset[str]:
    found = {platform_author_id, subject.author.platform_author_id if subject.author else None}
    return frozenset(v for v in found if v and not v.startswith(PURGED_ID_PREFIX))


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
        {
            "external_id": q.external_id,
            "stream": q.stream,
            "reason": q.reason,
            "payload": q.payload,
            "quarantined_at": _iso(q.quarantined_at),
        }
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
    return [{"action": r.action, "actor": r.actor, "at": _iso(r.at)} for r in rows]


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
    ids = _ids(subject, platform_author_id)
    name = subject.author.display_name if subject.author else None
    pattern = identity_pattern(subject.handle, name, ids)
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
