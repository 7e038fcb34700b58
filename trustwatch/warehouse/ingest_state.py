"""Replication cursors in `ingest_state`: one row per stream and partition.

A run that changes nothing writes nothing here either (so replaying twice changes no
row): `last_success_at` is the last run that loaded data or moved the cursor, and
`last_error` the latest failure, cleared by the next success.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustwatch.db.models import IngestState


def read_cursor(session: Session, stream: str, partition: str) -> dict[str, Any]:
    row = session.scalar(
        select(IngestState).where(IngestState.stream == stream, IngestState.partition == partition)
    )
    return dict(row.cursor or {}) if row is not None else {}


def _row(session: Session, stream: str, partition: str) -> IngestState:
    row = session.scalar(
        select(IngestState).where(IngestState.stream == stream, IngestState.partition == partition)
    )
    if row is None:
        row = IngestState(stream=stream, partition=partition, cursor={}, items_loaded=0)
        session.add(row)
    return row


def save_cursor(
    session: Session,
    stream: str,
    partition: str,
    cursor: dict[str, Any],
    *,
    run_started_at: dt.datetime,
    loaded: int,
) -> None:
    """Store a new cursor; unchanged cursors leave the row alone (a re-run writes nothing)."""
    row = _row(session, stream, partition)
    changed = (row.cursor or {}) != cursor or row.last_error is not None or loaded
    if not changed and row.last_success_at is not None:
        return
    row.cursor = cursor
    row.last_run_started_at = run_started_at
    row.last_success_at = run_started_at
    row.last_error = None
    row.items_loaded = (row.items_loaded or 0) + loaded
    session.flush()


def record_error(session: Session, stream: str, partition: str, message: str) -> None:
    """Note a failed run; the cursor itself is left exactly as it was."""
    row = _row(session, stream, partition)
    row.last_error = message[:4000]
    session.flush()
