"""Turn unprocessed inbound events into items: the hourly path's parser, gate and load.

Each run takes the oldest unprocessed events (bounded, by the `processed_at` index: no
whole-table read), maps each to its platform record (`trustwatch.inbound.mapping`),
parses it with the hourly stream's own `parse_page` (a record that does not parse is
quarantined with the reason), and commits through `trustwatch.ingest.make_committer`
(the same quality gate, quarantine and idempotent upsert on (platform, external_id)).
The events are marked processed, and their payloads cleared, in the same transaction
as their items load, so an event is either loaded and marked, or neither.

Because every run takes every unprocessed row, not only the ids of the notice that
woke it, a notice lost in the queue only delays its event to the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, func, select, tuple_

from connectors.base import Page, Rejected, StreamContext
from connectors.secrets import redact
from trustwatch.db.engine import session_scope
from trustwatch.db.models import InboundEvent, Item
from trustwatch.inbound.mapping import Mapped, map_event, planned_for
from trustwatch.ingest import make_committer
from trustwatch.registry import Registry

log = logging.getLogger(__name__)

DEFAULT_BATCH = 500


@dataclass
class InboundSummary:
    events: int = 0
    loaded: int = 0
    quarantined: int = 0
    failed: int = 0
    item_ids: list[int] = field(default_factory=list)
    failed_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "loaded": self.loaded,
            "quarantined": self.quarantined,
            "failed": self.failed,
            "item_ids": self.item_ids,
            "failed_ids": self.failed_ids,
        }


def _unprocessed(skip: Collection[int]) -> Any:
    where = InboundEvent.processed_at.is_(None)
    if skip:
        where = and_(where, InboundEvent.inbound_event_id.not_in(sorted(skip)))
    return where


def pending_events(
    engine: Engine, limit: int, *, skip: Collection[int] = ()
) -> list[tuple[int, str, Any]]:
    """(id, platform, payload) of the oldest unprocessed events, leaving out `skip`."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(InboundEvent.inbound_event_id, InboundEvent.platform, InboundEvent.payload)
            .where(_unprocessed(skip))
            .order_by(InboundEvent.inbound_event_id)
            .limit(limit)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def pending_count(engine: Engine, *, skip: Collection[int] = ()) -> int:
    """How many events wait (by the `processed_at` index), leaving out `skip`."""
    with session_scope(engine) as session:
        return int(
            session.scalar(select(func.count()).select_from(InboundEvent).where(_unprocessed(skip)))
            or 0
        )


def _school_ids(engine: Engine) -> dict[str, int]:
    from trustwatch.db.models import School

    with session_scope(engine) as session:
        return dict(session.execute(select(School.school_key, School.school_id)).tuples().all())


def _context(registry: Registry, mapped: Mapped, now: dt.datetime) -> StreamContext:
    platform = mapped.planned.partition.platform
    accounts = [a for _, a in registry.accounts() if a.platform is platform]
    return StreamContext(
        partition=mapped.planned.partition,
        run_started_at=now,
        school_account_ids=frozenset(a.account_id for a in accounts),
        school_handles={a.handle.lower(): a.account_id for a in accounts},
    )


def process_pending(
    engine: Engine,
    registry: Registry,
    *,
    pseudonym_secret: bytes,
    now: dt.datetime,
    gate_for: Any = None,
    limit: int = DEFAULT_BATCH,
    skip: Collection[int] = (),
) -> InboundSummary:
    """Load up to `limit` unprocessed events; return counts and the loaded items' ids.

    `gate_for(platform)` returns the pre-load `Gate` for that platform's batches (the
    pipeline passes the Great Expectations gate); None loads without one. `skip` leaves
    out events that already failed in this run, so a draining run does not spin on them
    (the next run retries them).
    """
    summary = InboundSummary()
    pending = pending_events(engine, limit, skip=skip)
    summary.events = len(pending)
    if not pending:
        return summary
    planned = planned_for(registry)
    groups: dict[tuple[str, str | None], list[tuple[int, Mapped | None, str | None]]] = defaultdict(
        list
    )
    unmappable: list[tuple[int, str, Any, str]] = []
    for event_id, platform, payload in pending:
        try:
            mapped = map_event(platform, payload or {}, planned)
        except (LookupError, TypeError, ValueError, AttributeError) as exc:
            unmappable.append((event_id, platform, payload, f"{type(exc).__name__}: {exc}"))
            continue
        parent = mapped.parent.external_id if mapped.parent else None
        groups[(mapped.planned.label, parent)].append((event_id, mapped, None))
    commit = make_committer(
        pseudonym_secret=pseudonym_secret,
        school_ids=_school_ids(engine),
        run_started_at=now,
        gate=None,
    )
    loaded_keys: list[tuple[str, str]] = []
    for members in groups.values():
        first = members[0][1]
        assert first is not None
        stream = first.planned.stream_cls(None, _context(registry, first, now))
        stream.parent = first.parent
        ids = [m[0] for m in members]
        try:
            items, rejected, _ = stream.parse_page(Page([m[1].record for m in members if m[1]]))
            if gate_for is not None and items:
                items, failed = gate_for(stream.platform.value)(stream, items)
                rejected = [*rejected, *failed]
            with session_scope(engine) as session:
                commit(session, stream, items, rejected, None)
                _mark(session, ids, now, error=None)
        except Exception as exc:  # one bad group must not stop the others: retried next run
            log.warning("inbound events %s failed to load (%s)", ids, type(exc).__name__)
            with session_scope(engine) as session:
                _mark(session, ids, None, error=redact(f"{type(exc).__name__}: {exc}")[:2000])
            summary.failed += len(ids)
            summary.failed_ids += ids
            continue
        summary.loaded += len(items)
        summary.quarantined += len(rejected)
        loaded_keys += [(i.platform.value, i.external_id) for i in items]
    if unmappable:
        _quarantine_unmappable(engine, unmappable, now)
        summary.quarantined += len(unmappable)
    summary.item_ids = _item_ids(engine, loaded_keys)
    return summary


def _mark(session: Any, ids: list[int], now: dt.datetime | None, *, error: str | None) -> None:
    for event in session.scalars(
        select(InboundEvent).where(InboundEvent.inbound_event_id.in_(ids))
    ):
        event.attempts = (event.attempts or 0) + 1
        event.last_error = error
        if now is not None:
            event.processed_at = now
            event.payload = None  # the item row keeps the raw record: least data


def _quarantine_unmappable(engine: Engine, rows: list[tuple[int, str, Any, str]], now) -> None:
    """An event no stream can take (an unlisted page, a broken payload): quarantined with
    the reason, and marked processed so it is not retried forever."""
    from trustwatch.warehouse.quarantine import QuarantineRecord, quarantine

    with session_scope(engine) as session:
        quarantine(
            session,
            [
                QuarantineRecord(
                    platform=platform,
                    stream=f"{platform}.webhook",
                    partition=None,
                    external_id=str(event_id),
                    reason=redact(reason)[:2000],
                    check_name="inbound_mapping",
                    payload=payload,
                )
                for event_id, platform, payload, reason in rows
            ],
        )
        for event_id, _, _, reason in rows:
            _mark(session, [event_id], now, error=redact(reason)[:2000])


def _item_ids(engine: Engine, keys: list[tuple[str, str]]) -> list[int]:
    if not keys:
        return []
    found: list[int] = []
    with session_scope(engine) as session:
        for start in range(0, len(keys), 500):
            found += session.scalars(
                select(Item.item_id).where(
                    tuple_(Item.platform, Item.external_id).in_(keys[start : start + 500])
                )
            ).all()
    return sorted(set(found))


__all__ = ["InboundSummary", "Rejected", "pending_count", "pending_events", "process_pending"]
