"""Erasure on request: forget one person everywhere the warehouse may hold them.

What goes, for the person resolved by `trustwatch.personal_data.identify.find_subject`:

* their items: text, URL (it contains the handle on X and the title on Reddit) and raw
  payload; `text_purged_at`/`raw_purged_at` are set;
* their `authors` row: handle, display name, profile URL and platform id (replaced by
  `purged:<author_key>`); `erased_at` is set;
* other people's items on the platform: the raw payload if it names them (reply-to
  fields, mention lists), and the handle inside the text, replaced by `[erased]`;
* quarantined payloads that name them (replaced by a marker), and the handle in
  quarantine reasons;
* webhook events not yet processed whose payload names them (`inbound_events`): the
  payload is cleared and the event marked processed, so the event path never loads it
  (the hourly poll still reads other people's posts in it; the tombstone drops theirs);
* staff notes (`trustwatch.personal_data.staff_text`) and audit details: the handle is replaced
  by `[erased]` and the rest of the note, the staff's record, stays;
* data-check samples that are one of their posts or quote their handle;
* leads' verdicts on their items' labels (`label_verdicts`), deleted: with the text gone
  they are only an opinion about the person and can teach no model;
* error texts that quote them (`ingest_state.last_error`, `notifications.last_error`);
* reports on disk (`var/reports`) that quote them or one of their posts: deleted, HTML
  and PDF together (`trustwatch.personal_data.report_files`); the next run rebuilds them.

"Them" is the handle (with or without `@`), the display name and the platform id, as
whole words (`identify.identity_pattern`).

A tombstone (`identity_tombstones`, keyed by the pseudonym, never the id) is written in
the same transaction: the loader drops their posts from before the erasure and never
writes their identity again.

What stays: ids, timestamps, labels, scores, alerts, SLA figures and the pseudonymous
`author_key`, so anonymous counts (items per school, repeat authors, breaches) do not
change. The erasure is recorded in `audit_log` with the author_key as target, the
counts and the reason (handle redacted): the fact of the erasure, never the data.

Their posts from before the erasure, fetched again later (even edited), are dropped by
the loader (the tombstone); new posts the person makes after the erasure are new data,
collected under the trust's lawful basis, stored without their identity or raw payload.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, delete, func, null, or_, select, update
from sqlalchemy.orm import Session

from trustwatch.db.models import (
    AuditLog,
    Author,
    IdentityTombstone,
    InboundEvent,
    Item,
    LabelVerdict,
    Quarantine,
)
from trustwatch.personal_data.identify import (
    Subject,
    find_subject,
    identity_needles,
    identity_pattern,
    json_mentions,
    redact_json,
)
from trustwatch.personal_data.report_files import erase_from_reports
from trustwatch.personal_data.retention import PURGED_ID_PREFIX
from trustwatch.personal_data.staff_text import (
    error_columns,
    note_columns,
    sample_table,
    without_samples,
)
from trustwatch.warehouse.upsert import upsert

ERASED = "[erased]"
QUARANTINE_ERASED = {"erased": True}


@dataclass(frozen=True)
class ErasureSummary:
    """Counts of what one erasure changed; the detail of its audit row."""

    author_key: str
    platform: str
    items_erased: int
    author_rows_erased: int
    other_items_raw_purged: int
    other_items_text_redacted: int
    quarantine_rows_erased: int
    notes_redacted: int
    check_samples_dropped: int
    audit_rows_redacted: int
    error_texts_redacted: int = 0
    report_files_deleted: int = 0
    verdicts_deleted: int = 0
    inbound_events_erased: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _erase_own_items(session: Session, key: str, now: dt.datetime) -> int:
    stmt = (
        update(Item)
        .where(Item.author_key == key)
        .values(
            text=None,
            url=None,
            raw=null(),
            text_purged_at=func.coalesce(Item.text_purged_at, now),
            raw_purged_at=func.coalesce(Item.raw_purged_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount or 0)


def _delete_verdicts(session: Session, key: str) -> int:
    own_items = select(Item.item_id).where(Item.author_key == key)
    stmt = (
        delete(LabelVerdict)
        .where(LabelVerdict.item_id.in_(own_items))
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount or 0)


def _erase_author_row(session: Session, subject: Subject, now: dt.datetime) -> int:
    if subject.author is None:
        return 0
    stmt = (
        update(Author)
        .where(Author.author_key == subject.author_key)
        .values(
            handle=None,
            display_name=None,
            profile_url=None,
            platform_author_id=PURGED_ID_PREFIX + subject.author_key,
            erased_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount or 0)


def _purge_other_raw(
    session: Session,
    subject: Subject,
    pattern: re.Pattern[str] | None,
    ids: frozenset[str],
    now: dt.datetime,
) -> int:
    """Raw payloads live 30 days, so scanning the platform's remaining ones is bounded."""
    rows = session.execute(
        select(Item.item_id, Item.raw).where(
            Item.platform == subject.platform,
            Item.raw.is_not(None),
            Item.author_key.is_distinct_from(subject.author_key),
        )
    ).yield_per(500)
    hit = [row.item_id for row in rows if json_mentions(row.raw, pattern, ids)]
    for start in range(0, len(hit), 500):
        session.execute(
            update(Item)
            .where(Item.item_id.in_(hit[start : start + 500]))
            .values(raw=null(), raw_purged_at=func.coalesce(Item.raw_purged_at, now))
            .execution_options(synchronize_session=False)
        )
    return len(hit)


def _any_needle(column: Any, needles: list[str]) -> Any:
    return or_(*(func.lower(column).contains(n, autoescape=True) for n in needles))


def _redact_other_text(
    session: Session, subject: Subject, pattern: re.Pattern[str], needles: list[str]
) -> int:
    """Other people's posts on any platform that name them (handle, name or id)."""
    rows = session.execute(
        select(Item.item_id, Item.text).where(
            Item.author_key.is_distinct_from(subject.author_key),
            Item.text.is_not(None),
            _any_needle(Item.text, needles),
        )
    ).all()
    changed = 0
    for row in rows:
        redacted = pattern.sub(ERASED, row.text)
        if redacted != row.text:
            session.execute(
                update(Item)
                .where(Item.item_id == row.item_id)
                .values(text=redacted)
                .execution_options(synchronize_session=False)
            )
            changed += 1
    return changed


def _erase_quarantine(
    session: Session, subject: Subject, pattern: re.Pattern[str] | None, ids: frozenset[str]
) -> int:
    """Quarantined payloads naming them go whole; a reason quoting the handle is redacted."""
    rows = session.execute(
        select(Quarantine.quarantine_id, Quarantine.payload, Quarantine.reason).where(
            Quarantine.platform == subject.platform
        )
    ).all()
    changed = 0
    for row in rows:
        named = json_mentions(row.payload, pattern, ids)
        reason = pattern.sub(ERASED, row.reason) if pattern else row.reason
        if named or reason != row.reason:
            values: dict[str, Any] = {"reason": reason}
            if named:
                values["payload"] = QUARANTINE_ERASED
            session.execute(
                update(Quarantine)
                .where(Quarantine.quarantine_id == row.quarantine_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            changed += 1
    return changed


def _erase_inbound(
    session: Session,
    subject: Subject,
    pattern: re.Pattern[str] | None,
    ids: frozenset[str],
    now: dt.datetime,
) -> int:
    """Unprocessed webhook events naming them: payload cleared, marked processed.

    Only unprocessed events hold a payload (it is cleared when the item loads), and they
    are few (retention deletes them on the raw clock), so the scan is bounded.
    """
    rows = session.execute(
        select(InboundEvent.inbound_event_id, InboundEvent.payload).where(
            InboundEvent.platform == subject.platform,
            InboundEvent.processed_at.is_(None),
            InboundEvent.payload.is_not(None),
        )
    ).all()
    hit = [row.inbound_event_id for row in rows if json_mentions(row.payload, pattern, ids)]
    for start in range(0, len(hit), 500):
        session.execute(
            update(InboundEvent)
            .where(InboundEvent.inbound_event_id.in_(hit[start : start + 500]))
            .values(payload=null(), processed_at=now, last_error="erased on request")
            .execution_options(synchronize_session=False)
        )
    return len(hit)


def _redact_notes(
    session: Session, pattern: re.Pattern[str], needles: list[str], columns: Any = None
) -> int:
    """Free text columns (staff notes by default) that name them: the name is replaced."""
    changed = 0
    for table, text, *_rest in columns if columns is not None else note_columns():
        key = next(iter(table.primary_key.columns))
        rows = session.execute(select(key, text).where(_any_needle(text, needles))).all()
        for row_id, note in rows:
            redacted = pattern.sub(ERASED, note)
            if redacted != note:
                session.execute(update(table).where(key == row_id).values({text.key: redacted}))
                changed += 1
    return changed


def _drop_samples(session: Session, texts: set[str], pattern: re.Pattern[str] | None) -> int:
    """Data-check samples that are one of their posts, or quote their handle."""
    found = sample_table()
    if found is None:
        return 0
    table, key, failures, _at = found

    def keep(value: str) -> bool:
        return value not in texts and not (pattern and pattern.search(value))

    changed = 0
    for row_id, value in session.execute(select(key, failures)).all():
        kept = without_samples(value, keep)
        if kept != value:
            session.execute(update(table).where(key == row_id).values({failures: kept}))
            changed += 1
    return changed


def _own_texts(session: Session, key: str) -> set[str]:
    rows = session.scalars(select(Item.text).where(Item.author_key == key, Item.text.is_not(None)))
    return {text for text in rows if text}


def _redact_audit(session: Session, pattern: re.Pattern[str], needles: list[str]) -> int:
    """Earlier audit rows (e.g. 'viewed author @x') must not keep the handle either."""
    changed = 0
    candidates = session.scalars(
        select(AuditLog).where(
            _any_needle(cast(AuditLog.detail, Text), needles)
            | _any_needle(AuditLog.target_id, needles)
        )
    )
    for row in candidates:
        detail = redact_json(row.detail, pattern, ERASED)
        target = pattern.sub(ERASED, row.target_id) if row.target_id else row.target_id
        if detail != row.detail or target != row.target_id:
            row.detail, row.target_id = detail, target
            changed += 1
    return changed


def erase(
    session: Session,
    *,
    platform: str | None,
    handle: str | None,
    platform_author_id: str | None,
    actor: str,
    reason: str | None,
    secret: bytes,
    now: dt.datetime,
    report_dir: Path | None = None,
) -> ErasureSummary:
    """Erase one person's data in the caller's transaction and audit it.

    `report_dir` is where reports are written (default `var/reports`). Raises
    `UnknownAuthorError` (exit 2) when nobody matches, before anything changes.
    """
    subject = find_subject(
        session,
        platform=platform,
        handle=handle,
        platform_author_id=platform_author_id,
        secret=secret,
    )
    ids = subject.platform_ids(platform_author_id)
    name = subject.display_name
    pattern = identity_pattern(subject.handle, name, ids)
    needles = identity_needles(subject.handle, name, ids)
    own_texts = _own_texts(session, subject.author_key)  # read before they are erased
    summary = ErasureSummary(
        author_key=subject.author_key,
        platform=subject.platform,
        items_erased=_erase_own_items(session, subject.author_key, now),
        other_items_raw_purged=_purge_other_raw(session, subject, pattern, ids, now),
        other_items_text_redacted=(
            _redact_other_text(session, subject, pattern, needles) if pattern else 0
        ),
        quarantine_rows_erased=_erase_quarantine(session, subject, pattern, ids),
        notes_redacted=_redact_notes(session, pattern, needles) if pattern else 0,
        check_samples_dropped=_drop_samples(session, own_texts, pattern),
        audit_rows_redacted=_redact_audit(session, pattern, needles) if pattern else 0,
        error_texts_redacted=(
            _redact_notes(session, pattern, needles, error_columns()) if pattern else 0
        ),
        report_files_deleted=erase_from_reports(report_dir, pattern, own_texts),
        author_rows_erased=_erase_author_row(session, subject, now),
        verdicts_deleted=_delete_verdicts(session, subject.author_key),
        inbound_events_erased=_erase_inbound(session, subject, pattern, ids, now),
    )
    upsert(
        session,
        IdentityTombstone.__table__,
        [{"tombstone_key": subject.author_key, "platform": subject.platform,
          "reason": "erasure", "erased_at": now}],
        keys=["tombstone_key"],
        update=["erased_at"],
    )  # fmt: skip
    safe_reason = reason
    if reason:
        names = [subject.handle, name, *ids]
        for value in filter(None, names):
            safe_reason = re.sub(re.escape(value), ERASED, safe_reason, flags=re.I)
    session.add(
        AuditLog(
            actor=actor,
            action="erasure",
            target_type="author",
            target_id=subject.author_key,
            detail={**summary.as_dict(), "reason": safe_reason},
            at=now,
        )
    )
    session.flush()
    return summary
