"""Re-ingest cannot undo retention, and items never carry a handle or a name.

The regression: after the 365-day purge, one replay re-ingest put handles back on
purged authors. Here the same batch is loaded, purged, and loaded again with the
registry's retention: nothing comes back.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from tests.privacy.conftest import CHILD, GONE, NOW, PARENT, SECRET, Populated, batch, x_item
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Author, Item
from trustwatch.personal_data.minimise import strip_raw
from trustwatch.personal_data.retention import PURGED_ID_PREFIX, enforce
from trustwatch.registry import Registry
from trustwatch.warehouse.items import load_items

NAMES = [p[k] for p in (CHILD, PARENT, GONE) for k in ("handle", "name")]


def _authors(populated: Populated) -> dict[str, tuple[str | None, str]]:
    with session_scope(populated.engine) as s:
        rows = s.scalars(select(Author)).all()
        return {a.author_key: (a.handle, a.platform_author_id) for a in rows}


def test_a_replay_after_the_purge_restores_no_handle_and_no_old_text(
    populated_any: Populated, registry: Registry
) -> None:
    with session_scope(populated_any.engine) as s:
        enforce(s, registry, now=NOW)
    purged = {k for k, (handle, _id) in _authors(populated_any).items() if handle is None}
    assert purged  # GONE's only post is 500 days old
    with session_scope(populated_any.engine) as s:
        load_items(s, batch(), pseudonym_secret=SECRET, retention=registry.retention, now=NOW)
    after = _authors(populated_any)
    restored = [k for k in purged if after[k][0] is not None]
    assert restored == []
    assert all(after[k][1].startswith(PURGED_ID_PREFIX) for k in purged)
    with session_scope(populated_any.engine) as s:
        old = s.scalars(select(Item).where(Item.created_at < NOW.replace(year=NOW.year - 1)))
        for item in old:
            assert (item.text, item.url, item.raw) == (None, None, None)
            assert item.text_purged_at is not None


def test_a_replay_on_an_earlier_clock_restores_no_purged_handle(
    populated_any: Populated, registry: Registry
) -> None:
    """The reported case: retention ran a year on; the replay runs on the corpus's clock."""
    later = NOW + dt.timedelta(days=400)
    with session_scope(populated_any.engine) as s:
        enforce(s, registry, now=later)
    assert all(handle is None for handle, _id in _authors(populated_any).values())
    with session_scope(populated_any.engine) as s:
        load_items(s, batch(), pseudonym_secret=SECRET, retention=registry.retention, now=NOW)
    assert [h for h, _id in _authors(populated_any).values() if h is not None] == []
    with session_scope(populated_any.engine) as s:  # a post new to the warehouse is news
        new = x_item("999", CHILD, "@OakfieldPrimary back again", -400)
        load_items(s, [new], pseudonym_secret=SECRET, retention=registry.retention, now=later)
    assert CHILD["handle"] in [h for h, _id in _authors(populated_any).values()]


def test_a_first_load_of_old_posts_is_already_purged(sqlite_engine, registry: Registry) -> None:
    with session_scope(sqlite_engine) as s:
        load_items(s, batch(), pseudonym_secret=SECRET, retention=registry.retention, now=NOW)
    with session_scope(sqlite_engine) as s:
        old = s.scalar(select(Item).where(Item.external_id == "t1_old1"))  # 500 days
        assert old.text is None and old.raw is None and old.text_purged_at is not None
        mid = s.scalar(select(Item).where(Item.external_id == "102"))  # 60 days: raw gone
        assert mid.text and mid.raw is None and mid.raw_purged_at is not None
        gone = s.scalars(select(Author).where(Author.platform == "reddit")).one()
        assert gone.handle is None and gone.platform_author_id.startswith(PURGED_ID_PREFIX)


def test_items_never_carry_a_handle_or_a_name(populated_any: Populated) -> None:
    with session_scope(populated_any.engine) as s:
        items = s.scalars(select(Item)).all()
    for item in items:
        stored = json.dumps([item.url, item.raw]).lower()
        assert not [n for n in NAMES if n.lower() in stored], item.external_id
        if item.platform == "x" and item.url:
            assert item.url == f"https://x.com/i/web/status/{item.external_id}"


def test_strip_raw_keeps_ids_and_drops_names_on_every_platform() -> None:
    x = {"data": {"id": "1", "author_id": "9", "text": "hi @kid",
                  "entities": {"mentions": [{"start": 3, "username": "kid", "id": "8"}]}},
         "includes": {"users": [{"id": "9", "username": "kid", "name": "Kid K",
                                 "profile_image_url": "https://pbs/x.jpg"}]}}  # fmt: skip
    reddit = {"kind": "t1", "data": {"name": "t1_a", "author": "kid",
              "author_fullname": "t2_9", "author_flair_text": "Kid K", "body": "hi",
              "permalink": "/r/s/comments/a/"}}  # fmt: skip
    facebook = {"id": "p_1", "from": {"id": "77", "name": "Kid K"}, "message": "hi",
                "message_tags": [{"id": "78", "name": "Other Kid"}],
                "to": {"data": [{"id": "79", "name": "Third Kid"}]}}  # fmt: skip
    assert strip_raw(x) == {
        "data": {"id": "1", "author_id": "9", "entities": {"mentions": [{"start": 3, "id": "8"}]}},
        "includes": {"users": [{"id": "9"}]},
    }
    assert strip_raw(reddit) == {
        "kind": "t1",
        "data": {"name": "t1_a", "author_fullname": "t2_9", "permalink": "/r/s/comments/a/"},
    }
    assert strip_raw(facebook) == {
        "id": "p_1", "from": {"id": "77"}, "message_tags": [{"id": "78"}],
        "to": {"data": [{"id": "79"}]},
    }  # fmt: skip
