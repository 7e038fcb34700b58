"""Load canonical items (and their authors) into the warehouse, idempotently.

The natural key is (platform, external_id). A re-load of the same batch changes no row:
items are only updated when their content hash differs, authors only when their handle
or display name does.

Handles and names go to `authors` only: an item's URL and raw payload are minimised
first (`trustwatch.personal_data.minimise`). With `retention`, what a re-fetch brings
back obeys it: an item posted before the text period is stored already purged, and an
author's identity is written only from an item still inside that period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustwatch.db.models import Account, Author, IdentityTombstone, Item, utcnow
from trustwatch.domain import CanonicalItem
from trustwatch.personal_data.minimise import purged_at_load, strip_raw, x_status_url
from trustwatch.personal_data.pseudonyms import author_key
from trustwatch.registry import Retention
from trustwatch.warehouse.upsert import upsert

PURGED_ID_PREFIX = "purged:"


@dataclass(frozen=True)
class LoadResult:
    inserted: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


def _dedupe(items: Sequence[CanonicalItem]) -> list[CanonicalItem]:
    """The same item can arrive twice in one batch (overlapping pages): keep the last."""
    by_key: dict[tuple[str, str], CanonicalItem] = {}
    for item in items:
        by_key[(item.platform.value, item.external_id)] = item
    return list(by_key.values())


def _account_ids(session: Session) -> dict[tuple[str, str], tuple[int, int]]:
    rows = session.execute(
        select(Account.platform, Account.platform_account_id, Account.account_id, Account.school_id)
    ).all()
    return {(r.platform, r.platform_account_id): (r.account_id, r.school_id) for r in rows}


def _existing_hashes(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Content hashes already stored for these natural keys, queried in bounded chunks."""
    found: dict[tuple[str, str], str] = {}
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in keys:
        by_platform.setdefault(platform, []).append(external_id)
    for platform, ids in by_platform.items():
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(Item.external_id, Item.content_hash).where(
                    Item.platform == platform, Item.external_id.in_(ids[start : start + 500])
                )
            )
            found.update({(platform, r.external_id): r.content_hash for r in rows})
    return found


def _erased_authors(session: Session, keys: list[str]) -> dict[str, dt.datetime]:
    """Authors erased on request (their tombstones): a re-fetch must not bring them back."""
    found: dict[str, dt.datetime] = {}
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(IdentityTombstone.tombstone_key, IdentityTombstone.erased_at).where(
                IdentityTombstone.tombstone_key.in_(keys[start : start + 500])
            )
        )
        found.update({r.tombstone_key: r.erased_at for r in rows})
    return found


def _keep_purged_identities_purged(
    session: Session,
    item_rows: list[dict[str, object]],
    existing: dict[tuple[str, str], str],
    authors: dict[str, dict[str, object]],
) -> None:
    """Retention purged these authors: only a post new to the warehouse brings them back.

    Re-fetching posts the warehouse already holds (a replay, a backfill, a cursor reset)
    is not news of the person, whatever clock the run uses, so it must not undo the
    purge. Drops such authors from `authors`, the identity upsert.
    """
    keys = list(authors)
    purged: set[str] = set()
    for start in range(0, len(keys), 500):
        purged.update(
            session.scalars(
                select(Author.author_key).where(
                    Author.author_key.in_(keys[start : start + 500]),
                    Author.platform_author_id.startswith(PURGED_ID_PREFIX),
                )
            )
        )
    fresh = {
        r["author_key"]
        for r in item_rows
        if (r["platform"], r["external_id"]) not in existing and r["text_purged_at"] is None
    }
    for key in purged - fresh:
        del authors[key]


def _url(item: CanonicalItem) -> str | None:
    """X links by id alone: `x.com/<handle>/status/<id>` would put the handle in items."""
    return x_status_url(item.external_id) if item.platform.value == "x" else item.url


def _cutoffs(
    retention: Retention | None, now: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    if retention is None:
        return None, None
    return (
        now - dt.timedelta(days=retention.raw_payload_days),
        now - dt.timedelta(days=retention.text_days),
    )


def _posted_before_erasure(row: dict[str, object], erased: dict[str, dt.datetime]) -> bool:
    erased_at = erased.get(str(row["author_key"]))
    return erased_at is not None and row["created_at"] <= erased_at  # type: ignore[operator]


def load_items(
    session: Session,
    items: Sequence[CanonicalItem],
    *,
    pseudonym_secret: bytes,
    school_ids_by_item: dict[tuple[str, str], int] | None = None,
    retention: Retention | None = None,
    now: dt.datetime | None = None,
) -> LoadResult:
    """Upsert items and their authors in the caller's transaction.

    Authors erased on request stay erased (their tombstone): their identity is not
    rewritten, and their posts from before the erasure are skipped
    (trustwatch/personal_data/erasure.py). With `retention` (the registry's periods),
    old posts are stored already purged and give no identity back; `now` is the run's
    clock (default: the wall clock) that the periods are measured back from.

    `school_ids_by_item` attributes public mentions (no account) to a school, keyed by
    (platform, external_id); items on an account take the account's school.
    """
    batch = _dedupe(items)
    if not batch:
        return LoadResult(0, 0, 0)
    now = now or utcnow()
    # Rows are stamped with the wall clock, whatever the run's clock: the hourly jobs find
    # new work by these stamps (job_cursors), and a replay or backfill runs on a past clock.
    stamp = utcnow()
    accounts = _account_ids(session)
    school_hints = school_ids_by_item or {}
    raw_cutoff, text_cutoff = _cutoffs(retention, now)

    authors: dict[str, dict[str, object]] = {}
    stale_authors: dict[str, dict[str, object]] = {}
    item_rows: list[dict[str, object]] = []
    for item in batch:
        platform = item.platform.value
        key = None
        if item.author_platform_id:
            key = author_key(platform, item.author_platform_id, pseudonym_secret)
            if text_cutoff is None or item.created_at >= text_cutoff:
                authors[key] = {
                    "author_key": key,
                    "platform": platform,
                    "platform_author_id": item.author_platform_id,
                    "handle": item.author_handle,
                    "display_name": item.author_display_name,
                    "profile_url": item.author_profile_url,
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
            else:  # only posts past the text period: the pseudonym, no identity
                stale_authors[key] = {
                    "author_key": key,
                    "platform": platform,
                    "platform_author_id": PURGED_ID_PREFIX + key,
                    "handle": None,
                    "display_name": None,
                    "profile_url": None,
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
        account_id, school_id = accounts.get(
            (platform, item.account_platform_id or ""), (None, None)
        )
        if school_id is None:
            school_id = school_hints.get((platform, item.external_id))
        row = {
            "platform": platform,
            "external_id": item.external_id,
            "kind": item.kind.value,
            "stream": item.stream,
            "school_id": school_id,
            "account_id": account_id,
            "parent_external_id": item.parent_external_id,
            "thread_root_external_id": item.thread_root_external_id or item.external_id,
            "author_key": key,
            "is_from_school": item.is_from_school,
            "text": item.text,
            "language": item.language,
            "url": _url(item),
            "created_at": item.created_at,
            "is_deleted": item.is_deleted,
            "raw": strip_raw(item.raw),
            "content_hash": item.content_hash(),
            "ingested_at": stamp,
            "updated_at": stamp,
            "text_purged_at": None,
            "raw_purged_at": None,
        }
        item_rows.append(
            purged_at_load(row, now=now, raw_cutoff=raw_cutoff, text_cutoff=text_cutoff)
        )

    erased = _erased_authors(session, list({**authors, **stale_authors}))
    if erased:
        item_rows = [
            {**r, "raw": None, "raw_purged_at": now} if r["author_key"] in erased else r
            for r in item_rows
            if not _posted_before_erasure(r, erased)
        ]
        for key in erased:
            authors.pop(key, None)
            stale_authors.pop(key, None)
        if not item_rows:
            return LoadResult(0, 0, 0)

    existing = _existing_hashes(session, [(r["platform"], r["external_id"]) for r in item_rows])
    inserted = sum(1 for r in item_rows if (r["platform"], r["external_id"]) not in existing)
    unchanged = sum(
        1 for r in item_rows if existing.get((r["platform"], r["external_id"])) == r["content_hash"]
    )
    _keep_purged_identities_purged(session, item_rows, existing, authors)

    upsert(
        session,
        Author.__table__,
        list(authors.values()),
        keys=["author_key"],
        update=["handle", "display_name", "profile_url"],
    )
    upsert(
        session,
        Author.__table__,
        [row for key, row in stale_authors.items() if key not in authors],
        keys=["author_key"],
    )
    upsert(
        session,
        Item.__table__,
        item_rows,
        keys=["platform", "external_id"],
        update=[
            "kind",
            "school_id",
            "account_id",
            "parent_external_id",
            "thread_root_external_id",
            "is_from_school",
            "text",
            "language",
            "url",
            "is_deleted",
            "raw",
            "content_hash",
            "updated_at",
            *(["text_purged_at", "raw_purged_at"] if retention is not None else []),
        ],
        when_changed="content_hash",
    )
    return LoadResult(
        inserted=inserted, updated=len(item_rows) - inserted - unchanged, unchanged=unchanged
    )
