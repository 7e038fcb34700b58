"""Recompute `response_sla` for the whole warehouse as of one instant, idempotently.

Every run derives the table afresh from `items` and `manual_responses`: rows are upserted
on `item_id` and rows for items that no longer need a response are deleted, so running it
twice with the same `now` leaves identical rows, and a failed run can simply be rerun.
Only items (and manual marks) that existed at `now` count, which makes `--now` a faithful
"as of" view for backfills.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from trustwatch.db.models import Account, Item, ManualResponse, ResponseSla, School
from trustwatch.personal_data.pseudonyms import author_key
from trustwatch.registry import Registry
from trustwatch.settings import get_settings
from trustwatch.sla.clocks import ITEM_COLUMNS, find_clocks, spam_item_ids
from trustwatch.sla.responses import NOT_NEEDED, RESPONDED
from trustwatch.sla.rule import WorkingCalendar, due_at_many, statuses_many
from trustwatch.warehouse.upsert import upsert

__all__ = ["SlaRunSummary", "compute_sla", "school_author_keys"]

_DELETE_CHUNK = 5_000


@dataclass(frozen=True)
class SlaRunSummary:
    now: dt.datetime
    items: int
    clocks: int
    deleted: int
    by_status: dict[str, int] = field(default_factory=dict)


def school_author_keys(session: Session, secret: bytes) -> dict[str, int]:
    """Pseudonym of every official account -> its school_id (the keyed hash of its id)."""
    rows = session.execute(
        select(Account.platform, Account.platform_account_id, Account.school_id)
    ).all()
    return {author_key(r.platform, r.platform_account_id, secret): r.school_id for r in rows}


def _utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True).dt.as_unit("us")


def _load_items(session: Session, now: dt.datetime) -> pd.DataFrame:
    columns = [getattr(Item, name) for name in ITEM_COLUMNS]
    rows = session.execute(select(*columns).where(Item.created_at <= now)).all()
    frame = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    frame["created_at"] = _utc(frame["created_at"])
    return frame


def _spam_ids(session: Session, now: dt.datetime) -> set[int]:
    """Only texts that contain a link can be spam, so only those are read."""
    rows = session.execute(
        select(
            Item.item_id, Item.platform, Item.author_key, Item.thread_root_external_id, Item.text
        ).where(
            Item.created_at <= now,
            Item.author_key.is_not(None),
            or_(Item.text.ilike("%http%"), Item.text.ilike("%www.%")),
        )
    ).all()
    return spam_item_ids(
        pd.DataFrame(
            rows, columns=["item_id", "platform", "author_key", "thread_root_external_id", "text"]
        )
    )


def _purged_without_clock(session: Session) -> set[int]:
    """Items whose text retention purged before they ever had a clock stay clock-less.

    The spam rule reads text; once text is gone it cannot be re-judged, so the earlier
    verdict (no clock) stands instead of old spam suddenly reappearing as breaches.
    """
    has_clock = select(ResponseSla.item_id)
    return set(
        session.scalars(
            select(Item.item_id).where(
                Item.text_purged_at.is_not(None), Item.item_id.not_in(has_clock)
            )
        )
    )


def _manual_marks(session: Session, now: dt.datetime) -> pd.DataFrame:
    rows = session.execute(
        select(
            ManualResponse.item_id,
            ManualResponse.responded_at,
            ManualResponse.marked_by,
            ManualResponse.note,
        ).where(ManualResponse.responded_at <= now, ManualResponse.kind == RESPONDED)
    ).all()
    frame = pd.DataFrame(rows, columns=["item_id", "responded_at", "marked_by", "note"])
    frame["responded_at"] = _utc(frame["responded_at"])
    return frame


def _not_needed(session: Session, now: dt.datetime) -> set[int]:
    """Items an account administrator marked "no response needed": they get no clock."""
    return set(
        session.scalars(
            select(ManualResponse.item_id).where(
                ManualResponse.kind == NOT_NEEDED, ManualResponse.responded_at <= now
            )
        )
    )


def _calendars(session: Session, registry: Registry) -> dict[int, WorkingCalendar]:
    """Each school's calendar (closures differ); schools gone from the registry get the trust's."""
    known = {s.key for s in registry.schools}
    out: dict[int, WorkingCalendar] = {}
    for school_id, key in session.execute(select(School.school_id, School.school_key)).all():
        out[school_id] = WorkingCalendar.from_registry(registry, key if key in known else None)
    return out


def _due_times(clocks: pd.DataFrame, calendars: dict[int, WorkingCalendar]) -> pd.Series:
    due = pd.Series(pd.NaT, index=clocks.index, dtype="datetime64[us, UTC]")
    for school_id, group in clocks.groupby("school_id"):
        calendar = calendars[int(school_id)]
        due.loc[group.index] = due_at_many(group["received_at"], calendar)
    return due


def _week_starts(received: pd.Series, timezone: str) -> pd.Series:
    local_days = received.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    return (local_days - pd.to_timedelta(local_days.dt.weekday, unit="D")).dt.date


def _none_if_missing(value: object) -> object:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def compute_sla(
    session: Session,
    registry: Registry,
    *,
    now: dt.datetime,
    pseudonym_secret: bytes | None = None,
) -> SlaRunSummary:
    """Derive every `response_sla` row as of `now` in the caller's transaction."""
    if now.tzinfo is None:
        raise ValueError("now has no time zone; pass an aware datetime")
    now = now.astimezone(dt.UTC)
    secret = pseudonym_secret or get_settings().pseudonym_key()
    items = _load_items(session, now)
    clocks = find_clocks(
        items,
        school_author_keys=school_author_keys(session, secret),
        spam_ids=_spam_ids(session, now),
        no_clock_ids=_purged_without_clock(session) | _not_needed(session, now),
        manual_marks=_manual_marks(session, now),
    )
    rows: list[dict[str, object]] = []
    if not clocks.empty:
        clocks["due_at"] = _due_times(clocks, _calendars(session, registry))
        clocks["status"] = statuses_many(
            clocks["due_at"],
            clocks["responded_at"],
            now,
            lead_hours=registry.alerting.at_risk_lead_hours,
        )
        clocks["response_seconds"] = (
            clocks["responded_at"] - clocks["received_at"]
        ).dt.total_seconds()
        clocks["week_start"] = _week_starts(clocks["received_at"], registry.trust.timezone)
        for rec in clocks.to_dict("records"):
            responded = rec["responded_at"]
            rows.append(
                {
                    "item_id": int(rec["item_id"]),
                    "school_id": int(rec["school_id"]),
                    "account_id": int(rec["account_id"]),
                    "clock_item_id": int(rec["clock_item_id"]),
                    "received_at": rec["received_at"].to_pydatetime(),
                    "due_at": rec["due_at"].to_pydatetime(),
                    "responded_at": None if pd.isna(responded) else responded.to_pydatetime(),
                    "response_item_id": None
                    if pd.isna(rec["response_item_id"])
                    else int(rec["response_item_id"]),
                    "response_seconds": None
                    if pd.isna(rec["response_seconds"])
                    else float(rec["response_seconds"]),
                    "responded_manually_by": _none_if_missing(rec["responded_manually_by"]),
                    "responded_manually_note": _none_if_missing(rec["responded_manually_note"]),
                    "status": str(rec["status"]),
                    "computed_at": now,
                    "week_start": rec["week_start"],
                }
            )
    upsert(
        session,
        ResponseSla.__table__,
        rows,
        keys=["item_id"],
        update=[c for c in rows[0] if c != "item_id"] if rows else (),
    )
    keep = {r["item_id"] for r in rows}
    stale = [i for i in session.scalars(select(ResponseSla.item_id)) if i not in keep]
    for start in range(0, len(stale), _DELETE_CHUNK):
        chunk = stale[start : start + _DELETE_CHUNK]
        session.execute(delete(ResponseSla).where(ResponseSla.item_id.in_(chunk)))
    session.flush()
    return SlaRunSummary(
        now=now,
        items=len(rows),
        clocks=len({r["clock_item_id"] for r in rows}),
        deleted=len(stale),
        by_status=dict(
            Counter(str(r["status"]) for r in rows if r["item_id"] == r["clock_item_id"])
        ),
    )
