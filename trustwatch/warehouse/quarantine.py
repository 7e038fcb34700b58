"""Quarantine: records that failed parsing or a data check, kept with the reason.

Shared by the connectors (records that do not parse) and the data-check gates (rows that
break an expectation). A record is stored once: the key is a hash of where it came from
and what it said, so re-running a batch that hits the same bad record adds no row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from trustwatch.db.models import Quarantine, utcnow
from trustwatch.warehouse.upsert import upsert


@dataclass(frozen=True)
class QuarantineRecord:
    platform: str
    stream: str
    reason: str
    check_name: str
    payload: Any
    partition: str | None = None
    external_id: str | None = None


def payload_hash(record: QuarantineRecord) -> str:
    """What identifies one quarantined record: source, check and payload (not the reason
    text, which may carry a line number or a library's wording that changes)."""
    body = {
        "platform": record.platform,
        "stream": record.stream,
        "partition": record.partition,
        "check": record.check_name,
        "payload": record.payload,
    }
    encoded = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _jsonable(payload: Any) -> Any:
    """JSON columns need JSON: anything else (bytes, a broken body) is kept as text."""
    try:
        json.dumps(payload)
        return payload
    except (TypeError, ValueError):
        if isinstance(payload, bytes):
            return {"text": payload.decode("utf-8", errors="replace")}
        return {"text": str(payload)}


def quarantine(session: Session, records: Iterable[QuarantineRecord]) -> int:
    """Store records in `quarantine` in the caller's transaction; return how many were new.

    Idempotent: a record whose payload_hash is already there is left alone.
    """
    rows: dict[str, dict[str, Any]] = {}
    for record in records:
        payload = _jsonable(record.payload)
        fixed = QuarantineRecord(**{**record.__dict__, "payload": payload})
        digest = payload_hash(fixed)
        rows[digest] = {
            "platform": record.platform[:20],
            "stream": record.stream[:60],
            "partition": record.partition[:200] if record.partition else None,
            "external_id": record.external_id[:128] if record.external_id else None,
            "reason": record.reason,
            "check_name": record.check_name[:100],
            "payload": payload,
            "payload_hash": digest,
            "quarantined_at": utcnow(),
        }
    if not rows:
        return 0
    from sqlalchemy import func, select

    before = session.scalar(
        select(func.count()).select_from(Quarantine).where(Quarantine.payload_hash.in_(list(rows)))
    )
    upsert(session, Quarantine.__table__, list(rows.values()), keys=["payload_hash"])
    return len(rows) - int(before or 0)
