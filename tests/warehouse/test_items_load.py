"""Loading items: idempotent on both dialects, authors kept apart behind a pseudonym."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import Author, Item, School
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.personal_data.pseudonyms import author_key
from trustwatch.registry import Platform
from trustwatch.warehouse.items import load_items
from trustwatch.warehouse.registry_sync import sync_registry

SECRET = b"k" * 32
T0 = dt.datetime(2026, 11, 5, 9, 30, tzinfo=dt.UTC)


def _item(n: int, **overrides) -> CanonicalItem:
    fields = {
        "platform": Platform.X,
        "external_id": f"18000000000000000{n:02d}",
        "kind": ItemKind.MENTION,
        "stream": "x_mentions",
        "account_platform_id": "1500000000000000001",
        "author_platform_id": f"99{n}",
        "author_handle": f"parent{n}",
        "author_display_name": f"Parent {n}",
        "text": f"Question number {n} about the school trip 🚌",
        "created_at": T0 + dt.timedelta(minutes=n),
        "url": f"https://x.com/i/web/status/18000000000000000{n:02d}",
        "raw": {"id": f"18000000000000000{n:02d}", "text": f"Question number {n}"},
    }
    fields.update(overrides)
    return CanonicalItem(**fields)


def _snapshot(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        items = conn.execute(select(Item.__table__).order_by(Item.item_id)).all()
        authors = conn.execute(select(Author.__table__).order_by(Author.author_key)).all()
    return [tuple(r) for r in items] + [tuple(r) for r in authors]


def test_same_batch_twice_changes_nothing(any_engine: Engine) -> None:
    batch = [_item(n) for n in range(5)]
    with session_scope(any_engine) as session:
        first = load_items(session, batch, pseudonym_secret=SECRET)
    before = _snapshot(any_engine)
    with session_scope(any_engine) as session:
        second = load_items(session, batch, pseudonym_secret=SECRET)
    assert (first.inserted, first.updated, first.unchanged) == (5, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 5)
    assert _snapshot(any_engine) == before


def test_changed_item_is_updated_in_place(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        load_items(session, [_item(1)], pseudonym_secret=SECRET)
    edited = _item(1, text="Edited: question about the trip", is_deleted=False)
    with session_scope(any_engine) as session:
        result = load_items(session, [edited, _item(2)], pseudonym_secret=SECRET)
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 0)
    with session_scope(any_engine) as session:
        texts = session.scalars(select(Item.text).order_by(Item.external_id)).all()
        assert texts[0] == "Edited: question about the trip"
        assert session.scalar(select(func.count()).select_from(Item)) == 2


def test_duplicate_within_a_batch_is_loaded_once(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        result = load_items(session, [_item(3), _item(3)], pseudonym_secret=SECRET)
        assert result.total == 1
        assert session.scalar(select(func.count()).select_from(Item)) == 1


def test_items_carry_a_pseudonym_and_account_not_a_handle(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        load_items(session, [_item(4)], pseudonym_secret=SECRET)
        item = session.scalars(select(Item)).one()
        assert item.author_key == author_key("x", "994", SECRET)
        assert "parent4" not in str(item.raw) or item.raw.get("username") is None
        assert item.account_id is not None
        school_key = session.get(School, item.school_id).school_key
        assert school_key == "oakfield"
        author = session.get(Author, item.author_key)
        assert author.handle == "parent4"
        assert item.created_at == T0 + dt.timedelta(minutes=4)
        assert item.created_at.tzinfo is not None


def test_public_mention_attributed_by_hint(sqlite_engine: Engine) -> None:
    mention = _item(5, account_platform_id=None, stream="x_search")
    with session_scope(sqlite_engine) as session:
        millbrook = session.scalar(select(School.school_id).where(School.school_key == "millbrook"))
        load_items(
            session,
            [mention],
            pseudonym_secret=SECRET,
            school_ids_by_item={("x", mention.external_id): millbrook},
        )
        item = session.scalars(select(Item)).one()
        assert item.account_id is None
        assert item.school_id == millbrook


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        _item(6, created_at=dt.datetime(2026, 11, 5, 9, 30))


def test_registry_sync_is_idempotent_and_deactivates(any_engine: Engine, registry) -> None:
    with session_scope(any_engine) as session:
        again = sync_registry(session, registry)
    assert (again.schools, again.accounts, again.deactivated) == (3, 7, 0)
    smaller = registry.model_copy(update={"schools": registry.schools[:2]})
    with session_scope(any_engine) as session:
        result = sync_registry(session, smaller)
        active = session.scalars(select(School.school_key).where(School.is_active)).all()
    assert result.deactivated == 3  # harbourside and its two accounts
    assert sorted(active) == ["millbrook", "oakfield"]


def test_rows_are_stamped_with_the_wall_clock_on_a_past_run_clock(sqlite_engine: Engine) -> None:
    """The hourly jobs find new work by these stamps against wall-clock marks: a replay or
    backfill running on a past clock must still stamp its rows now, or they are skipped."""
    past = dt.datetime(2026, 11, 4, 12, tzinfo=dt.UTC)
    before = dt.datetime.now(dt.UTC)
    with session_scope(sqlite_engine) as session:
        load_items(session, [_item(5)], pseudonym_secret=SECRET, now=past)
    with session_scope(sqlite_engine) as session:
        item = session.scalars(select(Item)).one()
        assert item.ingested_at >= before - dt.timedelta(seconds=1)
        assert item.updated_at >= before - dt.timedelta(seconds=1)
