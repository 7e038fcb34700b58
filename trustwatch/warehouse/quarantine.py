"""Quarantine: records that failed parsing or a data check, kept with the reason.

Shared by the connectors (records that do not parse) and the data-check gates (rows that
break an expectation). A record is stored once: the key is a hash of where it came from
and what it said, so re-running a batch that hits the same bad record adds no row.
"""

from __future__ import annotations

import hashlib
import json
import math
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


# Quarantine is bounded: it keeps enough of a record to see what was wrong, not a copy of
# a hostile payload (one 1 MB field, 10,000 levels of nesting).
MAX_PAYLOAD_CHARS = 64_000
MAX_STRING_CHARS = 4_000
MAX_DEPTH = 24
MAX_VALUES = 5_000


def _clip(text: str) -> str:
    """A string safe for any JSON column: no NUL, no lone surrogate, bounded length."""
    if len(text) > MAX_STRING_CHARS:
        text = f"{text[:MAX_STRING_CHARS]}...[{len(text) - MAX_STRING_CHARS:,} more characters]"
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _bounded(value: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        return "[dropped: too many values]"
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return _clip(value)
    if isinstance(value, bytes):
        return _clip(value.decode("utf-8", errors="replace"))
    if isinstance(value, dict | list | tuple):
        if depth >= MAX_DEPTH:
            return f"[dropped: nested deeper than {MAX_DEPTH} levels]"
        if isinstance(value, dict):
            return {_clip(str(k)): _bounded(v, depth + 1, budget) for k, v in value.items()}
        return [_bounded(v, depth + 1, budget) for v in value]
    return _clip(str(value))


def storable(payload: Any) -> Any:
    """What quarantine keeps of a payload: valid JSON any database accepts, at most
    MAX_PAYLOAD_CHARS long; a bigger one is kept as the start of its JSON text."""
    bounded = _bounded(payload, 0, [MAX_VALUES])
    encoded = json.dumps(bounded, ensure_ascii=False, allow_nan=False, default=str)
    if len(encoded) <= MAX_PAYLOAD_CHARS:
        return bounded
    start = encoded[: MAX_PAYLOAD_CHARS - 200]
    while len(json.dumps(start, ensure_ascii=False)) > MAX_PAYLOAD_CHARS - 200:
        start = start[: len(start) // 2]  # escaping quotes inside a string grows it
    return {"truncated": True, "json_characters": len(encoded), "start": start}


def quarantine(session: Session, records: Iterable[QuarantineRecord]) -> int:
    """Store records in `quarantine` in the caller's transaction; return how many were new.

    Idempotent: a record whose payload_hash is already there is left alone.
    """
    rows: dict[str, dict[str, Any]] = {}
    for record in records:
        payload = storable(record.payload)
        fixed = QuarantineRecord(**{**record.__dict__, "payload": payload})
        digest = payload_hash(fixed)
        rows[digest] = {
            "platform": record.platform[:20],
            "stream": record.stream[:60],
            "partition": _clip(record.partition)[:200] if record.partition else None,
            "external_id": _clip(record.external_id)[:128] if record.external_id else None,
            "reason": _clip(record.reason)[:2000],
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


@dataclass(frozen=True)
class QuarantineCount:
    platform: str
    stream: str
    check_name: str
    records: int
    last_at: Any


def counts(session: Session) -> list[QuarantineCount]:
    """How many records each stream and check has set aside, newest first: what data
    staff look at in `trustwatch checks` (the counts, never the payloads)."""
    from sqlalchemy import func, select

    rows = session.execute(
        select(
            Quarantine.platform,
            Quarantine.stream,
            Quarantine.check_name,
            func.count(),
            func.max(Quarantine.quarantined_at),
        )
        .group_by(Quarantine.platform, Quarantine.stream, Quarantine.check_name)
        .order_by(func.max(Quarantine.quarantined_at).desc())
    ).all()
    return [QuarantineCount(*row) for row in rows]
