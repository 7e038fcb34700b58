"""Build thread-shaped items in a test warehouse through the real loader.

Items go in as `CanonicalItem`s via `trustwatch.warehouse.items.load_items`, exactly as
connectors load them, so the SLA job sees what production would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import Classification, Item
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.registry import Platform, Registry
from trustwatch.settings import get_settings
from trustwatch.warehouse.items import load_items

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> dt.datetime:
    """A London wall-clock time, for readable test tables."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


@dataclass
class ThreadFactory:
    """Makes items on one school account; ids are unique per factory."""

    engine: Engine
    registry: Registry
    school_key: str = "oakfield"
    platform: Platform = Platform.FACEBOOK
    _ids: count = field(default_factory=lambda: count(1))

    @property
    def account(self):  # type: ignore[no-untyped-def]
        school = self.registry.school(self.school_key)
        return next(a for a in school.accounts if a.platform == self.platform)

    def make(
        self,
        *,
        created_at: dt.datetime,
        author: str | None = "parent-1",
        from_school: bool = False,
        parent: str | None = None,
        root: str | None = None,
        kind: ItemKind = ItemKind.COMMENT,
        text: str = "When is the next parents' evening?",
        on_account: bool = True,
        deleted: bool = False,
        external_id: str | None = None,
    ) -> CanonicalItem:
        ext = external_id or f"{self.platform.value}-{self.school_key}-{next(self._ids)}"
        author_id = self.account.account_id if from_school else author
        return CanonicalItem(
            platform=self.platform,
            external_id=ext,
            kind=kind,
            stream=f"{self.platform.value}:test",
            account_platform_id=self.account.account_id if on_account else None,
            parent_external_id=parent,
            thread_root_external_id=root,
            author_platform_id=author_id,
            author_handle=None if from_school else f"handle-{author}",
            is_from_school=from_school,
            text=text,
            created_at=created_at,
            is_deleted=deleted,
        )


def load(engine: Engine, items: list[CanonicalItem]) -> dict[str, int]:
    """Load items; return external_id -> item_id."""
    secret = get_settings().pseudonym_key()
    with session_scope(engine) as session:
        load_items(session, items, pseudonym_secret=secret)
        rows = session.execute(
            select(Item.external_id, Item.item_id).where(
                Item.external_id.in_([i.external_id for i in items])
            )
        ).all()
    return {r.external_id: r.item_id for r in rows}


def classify(
    engine: Engine,
    item_id: int,
    label: str,
    score: float,
    *,
    above: bool,
    model_version: str = "test-1",
    at_time: dt.datetime | None = None,
) -> None:
    with session_scope(engine) as session:
        session.add(
            Classification(
                item_id=item_id,
                label=label,
                score=score,
                is_above_threshold=above,
                model_version=model_version,
                classified_at=at_time or dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            )
        )
