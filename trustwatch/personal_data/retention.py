"""The retention rule: keep what people wrote only as long as the registry allows.

Posts may name or come from children, so the warehouse forgets words and identities on
schedule while keeping the facts the trust reports on. Nothing is deleted: rows stay
with their ids, timestamps, labels, scores, SLA figures and alerts, so every aggregate
and response-time figure computed before a purge is computed the same way after it.

Two clocks, both measured from when the item was posted (`created_at`), so an old post
fetched late is not kept longer than one fetched on time:

* raw payloads (`retention.raw_payload_days`, default 30): `items.raw` and quarantined
  payloads are nulled (`raw_purged_at` set), and the failing values data checks keep as
  samples are dropped;
* webhook events (`inbound_events`): a processed event (its payload already cleared when
  its item loaded) is deleted `retention.inbound_processed_days` (default 2) after it was
  processed, long enough for the platforms' retries to still be recognised; an event
  never processed (its load kept failing) holds the whole payload and is deleted on the
  raw clock, counted from when it was received, with a warning giving the count only;
  the receiver's refusals (`inbound_rejections`: reason, digest and the platform's event
  key, never a body) are deleted on the raw clock too, so a flood leaves no lasting trail
  of platform ids;
* text (`retention.text_days`, default 365): item text, URL and raw payload; the handle,
  display name, profile URL and platform id of authors with no newer item; staff notes
  listed in `trustwatch.personal_data.staff_text` (alert events, manual responses);
  leads' verdicts on the item's labels (`label_verdicts`), deleted: a verdict is an
  opinion about what a person wrote, and without the text it can teach no model.

`enforce` is idempotent: a second run with the same `now` changes nothing and counts 0.
It runs in the caller's transaction and adds one `audit_log` row with the counts.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from trustwatch.db.models import (
    AuditLog,
    Author,
    InboundEvent,
    InboundRejection,
    Item,
    LabelVerdict,
    Quarantine,
)
from trustwatch.personal_data.staff_text import note_columns, sample_table, without_samples
from trustwatch.registry import Registry

log = logging.getLogger(__name__)

RETENTION_ACTOR = "retention"
PURGED_ID_PREFIX = "purged:"
QUARANTINE_PURGED = {"purged": "retention"}


@dataclass(frozen=True)
class RetentionSummary:
    """What one run purged (or would purge, in a dry run); also the audit row's detail."""

    now: dt.datetime
    raw_cutoff: dt.datetime
    text_cutoff: dt.datetime
    dry_run: bool
    raw_payloads_purged: int
    texts_purged: int
    authors_purged: int
    notes_purged: int
    check_samples_purged: int
    quarantine_payloads_purged: int
    verdicts_purged: int = 0
    inbound_processed_purged: int = 0
    inbound_unprocessed_purged: int = 0
    inbound_rejections_purged: int = 0

    @property
    def total(self) -> int:
        return (
            self.raw_payloads_purged
            + self.texts_purged
            + self.authors_purged
            + self.notes_purged
            + self.check_samples_purged
            + self.quarantine_payloads_purged
            + self.verdicts_purged
            + self.inbound_processed_purged
            + self.inbound_unprocessed_purged
            + self.inbound_rejections_purged
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe: for the audit row, an Airflow XCom or `--json` output."""
        out = asdict(self)
        for name in ("now", "raw_cutoff", "text_cutoff"):
            out[name] = out[name].isoformat()
        return out


def _raw_due(cutoff: dt.datetime) -> ColumnElement[bool]:
    return and_(Item.created_at < cutoff, or_(Item.raw.is_not(None), Item.raw_purged_at.is_(None)))


def _text_due(cutoff: dt.datetime) -> ColumnElement[bool]:
    return and_(
        Item.created_at < cutoff,
        or_(
            Item.text.is_not(None),
            Item.url.is_not(None),
            Item.raw.is_not(None),
            Item.text_purged_at.is_(None),
        ),
    )


def _author_due(cutoff: dt.datetime) -> ColumnElement[bool]:
    """Identity goes once the author's newest item is past the text clock.

    Judged by their items, not `last_seen_at`: a late fetch of an old post must not
    keep a handle alive, and the loader does not advance `last_seen_at`.
    """
    recent_item = exists().where(Item.author_key == Author.author_key, Item.created_at >= cutoff)
    return and_(
        ~recent_item,
        or_(
            Author.handle.is_not(None),
            Author.display_name.is_not(None),
            Author.profile_url.is_not(None),
            ~Author.platform_author_id.startswith(PURGED_ID_PREFIX),
        ),
    )


def _notes(session: Session, cutoff: dt.datetime, *, dry_run: bool) -> int:
    """Staff notes (alert events, manual responses) can quote a child: same text clock."""
    total = 0
    for table, text, at in note_columns():
        due = and_(at < cutoff, text.is_not(None))
        if dry_run:
            total += _count(session, table, due)
        else:
            total += _apply(session, table, due, **{text.key: None})
    return total


def _verdicts(session: Session, cutoff: dt.datetime, *, dry_run: bool) -> int:
    """Verdicts on items past the text clock go with the text (run after the text purge)."""
    old_items = select(Item.item_id).where(Item.created_at < cutoff)
    due = LabelVerdict.item_id.in_(old_items)
    if dry_run:
        return _count(session, LabelVerdict, due)
    result = session.execute(
        delete(LabelVerdict).where(due).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def _quarantine_due(session: Session, cutoff: dt.datetime) -> list[int]:
    """Quarantined payloads are raw payloads; the marker left behind is not."""
    rows = session.execute(
        select(Quarantine.quarantine_id, Quarantine.payload).where(
            Quarantine.quarantined_at < cutoff
        )
    ).all()
    return [row.quarantine_id for row in rows if row.payload != QUARANTINE_PURGED]


def _samples(session: Session, cutoff: dt.datetime, *, dry_run: bool) -> int:
    """Data-check samples (failing values, possibly post text) older than the raw clock."""
    found = sample_table()
    if found is None:
        return 0
    table, key, failures, at = found
    changed = 0
    for row_id, value in session.execute(select(key, failures).where(at < cutoff)).all():
        emptied = without_samples(value)
        if emptied != value:
            changed += 1
            if not dry_run:
                session.execute(update(table).where(key == row_id).values({failures: emptied}))
    return changed


def _inbound(
    session: Session,
    registry: Registry,
    now: dt.datetime,
    raw_cutoff: dt.datetime,
    *,
    dry_run: bool,
) -> dict[str, int]:
    """Webhook events: processed ones after a short window, unprocessed on the raw clock.

    Refusals go on the raw clock as well: they hold no words, but their event keys are
    platform ids that would otherwise outlive the items they point at.
    """
    processed_cutoff = now - dt.timedelta(days=registry.retention.inbound_processed_days)
    due = {
        "inbound_processed_purged": and_(
            InboundEvent.processed_at.is_not(None), InboundEvent.processed_at < processed_cutoff
        ),
        "inbound_unprocessed_purged": and_(
            InboundEvent.processed_at.is_(None), InboundEvent.received_at < raw_cutoff
        ),
    }
    due_by_table: list[tuple[str, Any, ColumnElement[bool]]] = [
        (name, InboundEvent, where) for name, where in due.items()
    ]
    due_by_table.append(
        ("inbound_rejections_purged", InboundRejection, InboundRejection.received_at < raw_cutoff)
    )
    counts = {}
    for name, table, where in due_by_table:
        if dry_run:
            counts[name] = _count(session, table, where)
        else:
            result = session.execute(
                delete(table).where(where).execution_options(synchronize_session=False)
            )
            counts[name] = int(result.rowcount or 0)
    if counts["inbound_unprocessed_purged"] and not dry_run:
        log.warning(
            "retention deleted %d webhook events never processed within %d days, payloads "
            "with them (their posts reach the warehouse only through the hourly poll)",
            counts["inbound_unprocessed_purged"],
            registry.retention.raw_payload_days,
        )
    return counts


def _count(session: Session, entity: Any, where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(entity).where(where)) or 0)


def _apply(session: Session, entity: Any, where: ColumnElement[bool], **values: Any) -> int:
    stmt = update(entity).where(where).values(**values)
    result = session.execute(stmt.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def cutoffs(registry: Registry, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(raw payload cutoff, text cutoff): anything posted before these is purged."""
    if now.tzinfo is None:
        raise ValueError("retention needs an aware datetime for `now` (UTC)")
    now = now.astimezone(dt.UTC)
    policy = registry.retention
    return (
        now - dt.timedelta(days=policy.raw_payload_days),
        now - dt.timedelta(days=policy.text_days),
    )


def enforce(
    session: Session, registry: Registry, *, now: dt.datetime, dry_run: bool = False
) -> RetentionSummary:
    """Purge what is past its retention period, in the caller's transaction.

    A dry run counts what would be purged and writes nothing, not even the audit row.
    """
    raw_cutoff, text_cutoff = cutoffs(registry, now)
    now = now.astimezone(dt.UTC)
    quarantine_ids = _quarantine_due(session, raw_cutoff)
    if dry_run:
        counts = {
            "texts_purged": _count(session, Item, _text_due(text_cutoff)),
            "raw_payloads_purged": _count(
                session, Item, and_(_raw_due(raw_cutoff), ~_text_due(text_cutoff))
            ),
            "authors_purged": _count(session, Author, _author_due(text_cutoff)),
        }
    else:
        # Text first: it nulls the raw payload too, so the raw count below is only the
        # payloads of items whose text is still within its period.
        counts = {
            "texts_purged": _apply(
                session,
                Item,
                _text_due(text_cutoff),
                text=None,
                url=None,
                raw=null(),
                text_purged_at=func.coalesce(Item.text_purged_at, now),
                raw_purged_at=func.coalesce(Item.raw_purged_at, now),
            ),
            "raw_payloads_purged": _apply(
                session, Item, _raw_due(raw_cutoff), raw=null(), raw_purged_at=now
            ),
            "authors_purged": _apply(
                session,
                Author,
                _author_due(text_cutoff),
                handle=None,
                display_name=None,
                profile_url=None,
                platform_author_id=literal(PURGED_ID_PREFIX) + Author.author_key,
            ),
        }
        if quarantine_ids:
            _apply(
                session,
                Quarantine,
                Quarantine.quarantine_id.in_(quarantine_ids),
                payload=QUARANTINE_PURGED,
            )
    summary = RetentionSummary(
        now=now,
        raw_cutoff=raw_cutoff,
        text_cutoff=text_cutoff,
        dry_run=dry_run,
        quarantine_payloads_purged=len(quarantine_ids),
        notes_purged=_notes(session, text_cutoff, dry_run=dry_run),
        check_samples_purged=_samples(session, raw_cutoff, dry_run=dry_run),
        verdicts_purged=_verdicts(session, text_cutoff, dry_run=dry_run),
        **_inbound(session, registry, now, raw_cutoff, dry_run=dry_run),
        **counts,
    )
    if not dry_run:
        session.add(
            AuditLog(
                actor=RETENTION_ACTOR,
                action="retention.enforce",
                target_type="warehouse",
                target_id=None,
                detail=summary.as_dict(),
                at=now,
            )
        )
        session.flush()
    return summary
