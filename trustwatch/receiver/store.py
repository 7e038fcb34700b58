"""Write a delivery's events durably, and audit what was refused.

`store_delivery` runs in one transaction: the replay check, the events (insert or
nothing, on (platform, event_key)) and the audit rows for refused events. The caller
answers the platform only after it returns, so an acknowledged event is always on disk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select, tuple_

from trustwatch.db.engine import session_scope
from trustwatch.db.models import InboundEvent, InboundRejection
from trustwatch.receiver.events import Event, Refused
from trustwatch.warehouse.upsert import insert_for


@dataclass(frozen=True)
class Stored:
    replay: bool
    new_ids: list[int]
    duplicates: int


def is_replay(engine: Engine, delivery_sha256: str) -> bool:
    with session_scope(engine) as session:
        found = session.scalar(
            select(InboundEvent.inbound_event_id)
            .where(InboundEvent.delivery_sha256 == delivery_sha256)
            .limit(1)
        )
    return found is not None


def audit(
    engine: Engine,
    platform: str,
    rows: Sequence[Refused],
    *,
    status_code: int,
    body_sha256: str | None,
    body_bytes: int | None,
    now: dt.datetime,
) -> None:
    """One audit row per refusal: reason, digest and size of the body, never the body."""
    if not rows:
        return
    with session_scope(engine) as session:
        session.add_all(
            InboundRejection(
                platform=platform,
                status_code=status_code,
                reason=r.reason[:300],
                event_key=r.event_key,
                body_sha256=body_sha256,
                body_bytes=body_bytes,
                received_at=now,
            )
            for r in rows
        )


def store_delivery(
    engine: Engine,
    events: Sequence[Event],
    *,
    delivery_sha256: str,
    now: dt.datetime,
) -> Stored:
    """Insert the events not already stored; return the ids of the new rows.

    A delivery whose exact body was stored before is a replay: nothing is written (its
    events are already durable) and the caller refuses it.
    """
    with session_scope(engine) as session:
        seen = session.scalar(
            select(InboundEvent.inbound_event_id)
            .where(InboundEvent.delivery_sha256 == delivery_sha256)
            .limit(1)
        )
        if seen is not None:
            return Stored(replay=True, new_ids=[], duplicates=len(events))
        if not events:
            return Stored(replay=False, new_ids=[], duplicates=0)
        rows = [
            {
                "platform": e.platform,
                "event_key": e.event_key,
                "kind": e.kind,
                "account_platform_id": e.account_platform_id,
                "object_id": e.object_id,
                "occurred_at": e.occurred_at,
                "received_at": now,
                "delivery_sha256": delivery_sha256,
                "payload": e.payload,
                "attempts": 0,
            }
            for e in {(e.platform, e.event_key): e for e in events}.values()
        ]
        table = InboundEvent.__table__
        session.execute(
            insert_for(session, table)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["platform", "event_key"])
        )
        keys = [(r["platform"], r["event_key"]) for r in rows]
        found = session.execute(
            select(InboundEvent.inbound_event_id, InboundEvent.delivery_sha256).where(
                tuple_(InboundEvent.platform, InboundEvent.event_key).in_(keys)
            )
        ).all()
    new_ids = sorted(r[0] for r in found if r[1] == delivery_sha256)
    return Stored(replay=False, new_ids=new_ids, duplicates=len(events) - len(new_ids))
