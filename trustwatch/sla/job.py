"""Keep `response_sla` up to date as of one instant, costing what changed, idempotently.

A clock depends only on the items of its own thread, the manual marks on them, and (for
the spam rule) the same author's link posts elsewhere. So the hourly run recomputes just:

- the threads of items loaded or changed since the last run (`items.updated_at`, and
  `text_purged_at` for retention and erasure, which can change the spam verdict);
- the threads of items given a manual "responded outside the platform" mark;
- the threads holding the link posts of those items' authors (a third cross-post turns
  the first two into spam), school accounts aside (their posts never get a clock);
- clocks whose at-risk or due time has come (`status` open/at_risk, indexed on due_at):
  only their status changes.

Anything that is not a row (calendars and closures, school accounts, lead hours, the trust
time zone) is fingerprinted in `job_cursors`; a change, a first run, or a `now` earlier
than the last run's rebuilds everything (`full=True`, also `trustwatch sla rebuild`).
Either way only rows whose values differ are written (with `computed_at = now`), and rows
of items that no longer need a response are deleted, so a rerun with the same `now`
writes nothing, and incremental and full runs leave identical tables (the property test
in tests/sla/test_incremental_properties.py holds them to it). Only items (and manual
marks) that existed at `now` count, which makes `--now` a faithful "as of" view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from trustwatch.db.models import Account, Item, ManualResponse, ResponseSla, School, utcnow
from trustwatch.personal_data.pseudonyms import author_key
from trustwatch.registry import Registry
from trustwatch.settings import get_settings
from trustwatch.sla.clocks import ITEM_COLUMNS, find_clocks, spam_item_ids
from trustwatch.sla.responses import NOT_NEEDED, RESPONDED
from trustwatch.sla.rule import SlaStatus, WorkingCalendar, due_at_many, statuses_many
from trustwatch.warehouse.cursors import OVERLAP, fingerprint, load_cursor, save_cursor
from trustwatch.warehouse.upsert import upsert

__all__ = ["JOB", "SlaRunSummary", "compute_sla", "school_author_keys"]

JOB = "sla"
_DELETE_CHUNK = 5_000
_IN_CHUNK = 500  # keys per IN (...) list: well under SQLite's parameter limit
_LINK_FILTER = (Item.text.ilike("%http%"), Item.text.ilike("%www.%"))


@dataclass(frozen=True)
class SlaRunSummary:
    """What one run did. `items`/`clocks`/`by_status` cover the rows it recomputed."""

    now: dt.datetime
    items: int
    clocks: int
    deleted: int
    by_status: dict[str, int] = field(default_factory=dict)
    mode: str = "full"  # "full" or "incremental"
    written: int = 0  # rows inserted or changed
    status_updates: int = 0  # clocks whose at-risk or due time came (incremental only)


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


def _chunks(values: list, size: int = _IN_CHUNK) -> list[list]:
    return [values[i : i + size] for i in range(0, len(values), size)]


# --- what the hour changed ---------------------------------------------------------------


@dataclass
class _Changes:
    """Threads to recompute, and how far back the next run must look."""

    threads: set[tuple[str, str]] = field(default_factory=set)
    authors: set[tuple[str, str]] = field(default_factory=set)
    deferred_since: dt.datetime | None = None  # stamp of the oldest row not yet due


def _defer(changes: _Changes, stamp: dt.datetime) -> None:
    if changes.deferred_since is None or stamp < changes.deferred_since:
        changes.deferred_since = stamp


def _changes_since(session: Session, since: dt.datetime, now: dt.datetime) -> _Changes:
    """Threads touched by loads, edits, purges and manual marks stamped after `since`.

    A row that exists but lies after `now` (a replay running behind the loader) is not
    counted yet; the next run's mark stays at or before its stamp so it is seen later.
    """
    changes = _Changes()
    for column in (Item.updated_at, Item.text_purged_at):
        rows = session.execute(
            select(
                Item.platform,
                Item.external_id,
                Item.thread_root_external_id,
                Item.author_key,
                Item.created_at,
                column,
            ).where(column > since)
        ).all()
        for platform, ext, root, author, created, stamp in rows:
            if created > now:
                _defer(changes, stamp)
                continue
            changes.threads.add((platform, root or ext))
            if author is not None:
                changes.authors.add((platform, author))
    # The marks first, by their own index, then their items by key: joined in one query,
    # SQLite may drive the join from `items` (it guesses an un-ANALYZEd table is large).
    marks = session.execute(
        select(ManualResponse.item_id, ManualResponse.responded_at, ManualResponse.marked_at).where(
            ManualResponse.marked_at > since
        )
    ).all()
    threads: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(sorted({m.item_id for m in marks})):
        for item_id, platform, ext, root in session.execute(
            select(
                Item.item_id, Item.platform, Item.external_id, Item.thread_root_external_id
            ).where(Item.item_id.in_(chunk))
        ):
            threads[item_id] = (platform, root or ext)
    for item_id, responded, marked in marks:
        if item_id not in threads:  # the item is gone (a mark cascades with it)
            continue
        if responded > now:
            _defer(changes, marked)
        changes.threads.add(threads[item_id])
    return changes


def _link_posts(session: Session, authors: set[tuple[str, str]], now: dt.datetime) -> pd.DataFrame:
    """Every link post by these authors as of now: all the spam rule needs to judge them."""
    columns = ["item_id", "platform", "author_key", "thread_root_external_id", "text"]
    by_platform: dict[str, list[str]] = {}
    for platform, author in authors:
        by_platform.setdefault(platform, []).append(author)
    rows: list = []
    for platform, keys in by_platform.items():
        for chunk in _chunks(sorted(keys)):
            rows += session.execute(
                select(
                    Item.item_id,
                    Item.platform,
                    Item.author_key,
                    Item.thread_root_external_id,
                    Item.text,
                ).where(
                    Item.platform == platform,
                    Item.author_key.in_(chunk),
                    Item.created_at <= now,
                    or_(*_LINK_FILTER),
                )
            ).all()
    return pd.DataFrame(rows, columns=columns)


def _thread_items(
    session: Session, threads: set[tuple[str, str]], now: dt.datetime
) -> pd.DataFrame:
    """All items of these threads as of now: roots by external id, the rest by root."""
    columns = [getattr(Item, name) for name in ITEM_COLUMNS]
    by_platform: dict[str, list[str]] = {}
    for platform, root in threads:
        by_platform.setdefault(platform, []).append(root)
    rows: dict[int, tuple] = {}
    for platform, roots in by_platform.items():
        for chunk in _chunks(sorted(roots)):
            for where in (
                Item.thread_root_external_id.in_(chunk),
                Item.external_id.in_(chunk),
            ):
                for row in session.execute(
                    select(*columns).where(Item.platform == platform, where, Item.created_at <= now)
                ):
                    rows[row.item_id] = tuple(row)
    frame = pd.DataFrame(list(rows.values()), columns=ITEM_COLUMNS)
    frame["created_at"] = _utc(frame["created_at"])
    return frame


def _purged_without_clock_among(session: Session, items: pd.DataFrame) -> set[int]:
    """`_purged_without_clock`, for the given items only."""
    purged = [int(i) for i in items["item_id"][items["text_purged"]]]
    with_clock: set[int] = set()
    for chunk in _chunks(purged):
        with_clock |= set(
            session.scalars(select(ResponseSla.item_id).where(ResponseSla.item_id.in_(chunk)))
        )
    return set(purged) - with_clock


def _marks_for(session: Session, item_ids: list[int], now: dt.datetime) -> pd.DataFrame:
    rows: list = []
    for chunk in _chunks(item_ids):
        rows += session.execute(
            select(
                ManualResponse.item_id,
                ManualResponse.responded_at,
                ManualResponse.marked_by,
                ManualResponse.note,
            ).where(
                ManualResponse.item_id.in_(chunk),
                ManualResponse.responded_at <= now,
                ManualResponse.kind == RESPONDED,
            )
        ).all()
    frame = pd.DataFrame(rows, columns=["item_id", "responded_at", "marked_by", "note"])
    frame["responded_at"] = _utc(frame["responded_at"])
    return frame


# --- rows, and writing only what differs ------------------------------------------------

_COMPARED = (
    "school_id",
    "account_id",
    "clock_item_id",
    "received_at",
    "due_at",
    "responded_at",
    "response_item_id",
    "response_seconds",
    "responded_manually_by",
    "responded_manually_note",
    "status",
    "week_start",
)


def _clock_rows(
    clocks: pd.DataFrame,
    session: Session,
    registry: Registry,
    now: dt.datetime,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    if clocks.empty:
        return rows
    clocks["due_at"] = _due_times(clocks, _calendars(session, registry))
    clocks["status"] = statuses_many(
        clocks["due_at"],
        clocks["responded_at"],
        now,
        lead_hours=registry.alerting.at_risk_lead_hours,
    )
    clocks["response_seconds"] = (clocks["responded_at"] - clocks["received_at"]).dt.total_seconds()
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
    return rows


def _stored(session: Session, item_ids: list[int] | None) -> dict[int, tuple]:
    """The stored rows (compared columns) of these items, or of the whole table."""
    columns = [ResponseSla.item_id, *(getattr(ResponseSla, c) for c in _COMPARED)]
    if item_ids is None:
        return {r[0]: tuple(r[1:]) for r in session.execute(select(*columns))}
    out: dict[int, tuple] = {}
    for chunk in _chunks(item_ids):
        for r in session.execute(select(*columns).where(ResponseSla.item_id.in_(chunk))):
            out[r[0]] = tuple(r[1:])
    return out


def _write(
    session: Session, rows: list[dict[str, object]], stored: dict[int, tuple]
) -> tuple[int, int]:
    """Upsert rows that differ from what is stored; delete stored rows not in `rows`."""
    changed = [r for r in rows if stored.get(int(r["item_id"])) != tuple(r[c] for c in _COMPARED)]
    upsert(
        session,
        ResponseSla.__table__,
        changed,
        keys=["item_id"],
        update=[c for c in changed[0] if c != "item_id"] if changed else (),
    )
    keep = {r["item_id"] for r in rows}
    stale = [i for i in stored if i not in keep]
    for chunk in _chunks(stale, _DELETE_CHUNK):
        session.execute(delete(ResponseSla).where(ResponseSla.item_id.in_(chunk)))
    return len(changed), len(stale)


def _advance_statuses(session: Session, registry: Registry, now: dt.datetime) -> int:
    """Unanswered clocks whose at-risk or due time has come: only their status moves.

    Found by the (status, due_at) index, so the cost is the clocks that change, however
    many clocks the warehouse holds.
    """
    lead = dt.timedelta(hours=registry.alerting.at_risk_lead_hours)
    rows = session.execute(
        select(ResponseSla.item_id, ResponseSla.due_at, ResponseSla.status).where(
            or_(
                and_(ResponseSla.status == SlaStatus.OPEN.value, ResponseSla.due_at <= now + lead),
                and_(ResponseSla.status == SlaStatus.AT_RISK.value, ResponseSla.due_at <= now),
            ),
            ResponseSla.responded_at.is_(None),
        )
    ).all()
    if not rows:
        return 0
    statuses = statuses_many(
        pd.to_datetime([r.due_at for r in rows], utc=True),
        pd.to_datetime([None] * len(rows), utc=True),
        now,
        lead_hours=registry.alerting.at_risk_lead_hours,
    )
    moved: dict[str, list[int]] = {}
    for row, status in zip(rows, statuses, strict=True):
        if status != row.status:
            moved.setdefault(str(status), []).append(int(row.item_id))
    for status, ids in moved.items():
        for chunk in _chunks(ids, _DELETE_CHUNK):
            session.execute(
                update(ResponseSla)
                .where(ResponseSla.item_id.in_(chunk))
                .values(status=status, computed_at=now)
                .execution_options(synchronize_session=False)
            )
    return sum(len(ids) for ids in moved.values())


# --- the job -----------------------------------------------------------------------------


def inputs_fingerprint(session: Session, registry: Registry, secret: bytes) -> str:
    """What clocks depend on besides rows: a change rebuilds every clock."""
    calendars = _calendars(session, registry)
    return fingerprint(
        {
            "calendars": {
                str(k): [
                    c.timezone,
                    c.country,
                    c.subdivision,
                    sorted(str(d) for d in c.closures),
                    c.roll_forward_non_working_due,
                    c.response_hours,
                ]
                for k, c in sorted(calendars.items())
            },
            "school_accounts": sorted(school_author_keys(session, secret).items()),
            "lead_hours": registry.alerting.at_risk_lead_hours,
            "timezone": registry.trust.timezone,
        }
    )


def _summary(
    now: dt.datetime, rows: list[dict[str, object]], mode: str, written: int, deleted: int
) -> SlaRunSummary:
    return SlaRunSummary(
        now=now,
        items=len(rows),
        clocks=len({r["clock_item_id"] for r in rows}),
        deleted=deleted,
        by_status=dict(
            Counter(str(r["status"]) for r in rows if r["item_id"] == r["clock_item_id"])
        ),
        mode=mode,
        written=written,
    )


def _full(session: Session, registry: Registry, now: dt.datetime, secret: bytes) -> SlaRunSummary:
    items = _load_items(session, now)
    clocks = find_clocks(
        items,
        school_author_keys=school_author_keys(session, secret),
        spam_ids=_spam_ids(session, now),
        no_clock_ids=_purged_without_clock(session) | _not_needed(session, now),
        manual_marks=_manual_marks(session, now),
    )
    rows = _clock_rows(clocks, session, registry, now)
    written, deleted = _write(session, rows, _stored(session, None))
    return _summary(now, rows, "full", written, deleted)


def _incremental(
    session: Session,
    registry: Registry,
    now: dt.datetime,
    secret: bytes,
    since: dt.datetime,
) -> tuple[SlaRunSummary, dt.datetime | None]:
    changes = _changes_since(session, since, now)
    schools = school_author_keys(session, secret)
    # A school's own posts never get a clock, so whether they are spam changes nothing:
    # skip the school accounts' link posts (a school's account can hold most of the
    # warehouse's items, and reading them would cost what the warehouse holds).
    changes.authors = {(p, a) for p, a in changes.authors if a not in schools}
    links = _link_posts(session, changes.authors, now)
    if not links.empty:  # a new cross-post can make older posts in other threads spam
        roots = links["thread_root_external_id"].fillna(links["item_id"].astype(str))
        changes.threads |= set(zip(links["platform"], roots, strict=True))
    items = _thread_items(session, changes.threads, now)
    rows: list[dict[str, object]] = []
    written = deleted = 0
    if not items.empty:
        ids = [int(i) for i in items["item_id"]]
        items["text_purged"] = _purged_flags(session, ids)
        more = {
            (p, a)
            for p, a in zip(items["platform"], items["author_key"], strict=True)
            if isinstance(a, str) and a not in schools  # anonymous: None, or NaN
        } - changes.authors
        links = pd.concat([links, _link_posts(session, more, now)], ignore_index=True)
        clocks = find_clocks(
            items[ITEM_COLUMNS],
            school_author_keys=schools,
            spam_ids=spam_item_ids(links.drop_duplicates("item_id")),
            no_clock_ids=_purged_without_clock_among(session, items)
            | _not_needed_among(session, ids, now),
            manual_marks=_marks_for(session, ids, now),
        )
        rows = _clock_rows(clocks, session, registry, now)
        written, deleted = _write(session, rows, _stored(session, ids))
    summary = _summary(now, rows, "incremental", written, deleted)
    moved = _advance_statuses(session, registry, now)
    return dataclasses.replace(summary, status_updates=moved), changes.deferred_since


def _not_needed_among(session: Session, item_ids: list[int], now: dt.datetime) -> set[int]:
    """`_not_needed`, for the given items only."""
    marked: set[int] = set()
    for chunk in _chunks(item_ids):
        marked |= set(
            session.scalars(
                select(ManualResponse.item_id).where(
                    ManualResponse.item_id.in_(chunk),
                    ManualResponse.kind == NOT_NEEDED,
                    ManualResponse.responded_at <= now,
                )
            )
        )
    return marked


def _purged_flags(session: Session, item_ids: list[int]) -> list[bool]:
    purged: set[int] = set()
    for chunk in _chunks(item_ids):
        purged |= set(
            session.scalars(
                select(Item.item_id).where(
                    Item.item_id.in_(chunk), Item.text_purged_at.is_not(None)
                )
            )
        )
    return [i in purged for i in item_ids]


def compute_sla(
    session: Session,
    registry: Registry,
    *,
    now: dt.datetime,
    pseudonym_secret: bytes | None = None,
    full: bool = False,
) -> SlaRunSummary:
    """Bring `response_sla` up to date as of `now` in the caller's transaction.

    Incremental unless `full`, the first run, a changed fingerprint or a `now` before the
    last run's asks for a rebuild; see the module docstring.
    """
    if now.tzinfo is None:
        raise ValueError("now has no time zone; pass an aware datetime")
    now = now.astimezone(dt.UTC)
    started = utcnow()
    secret = pseudonym_secret or get_settings().pseudonym_key()
    stamp = inputs_fingerprint(session, registry, secret)
    cursor = load_cursor(session, JOB)
    deferred: dt.datetime | None = None
    if (
        full
        or cursor is None
        or cursor.fingerprint != stamp
        or cursor.as_of is None
        or cursor.changed_since is None
        or now < cursor.as_of
    ):
        summary = _full(session, registry, now, secret)
        deferred = session.scalar(select(func.min(Item.updated_at)).where(Item.created_at > now))
    else:
        summary, deferred = _incremental(session, registry, now, secret, cursor.changed_since)
    mark = started - OVERLAP
    if deferred is not None:
        mark = min(mark, deferred - dt.timedelta(microseconds=1))
    save_cursor(session, JOB, as_of=now, changed_since=mark, fingerprint=stamp)
    session.flush()
    return summary
