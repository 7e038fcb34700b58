"""Property-based fuzzing of every platform's parser with arbitrary JSON shapes.

For every stream of every platform: no record, however malformed, raises out of the
page parser; each record is parsed, deliberately skipped, or quarantined with a reason;
everything the stream loop then does with a parsed item works; and the batch loads,
with the bad records in quarantine and the good ones in `items`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from connectors.base import Page, Stream
from tests.conftest import postgres_server_url
from tests.faults import fuzz
from tests.faults.harness import PSEUDONYM_SECRET, migrated_sqlite
from tests.faults.ingest_fuzz import stream_for
from tests.faults.platforms import RUN_AT
from tests.faults.warehouses import scratch_postgres
from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.models import Item, Quarantine, School
from trustwatch.ingest import make_committer, plan_partitions
from trustwatch.registry import Registry

TEMPLATES: dict[str, Callable[[], dict[str, Any]]] = {
    "x.mentions": fuzz.x_record,
    "x.tweets": fuzz.x_record,
    "x.search": fuzz.x_record,
    "reddit.search": lambda: fuzz.reddit_record("t3"),
    "reddit.comments": lambda: fuzz.reddit_record("t1"),
    "reddit.mentions": lambda: fuzz.reddit_record("t1"),
    "reddit.comment_replies": lambda: fuzz.reddit_record("t1"),
    "reddit.own_comments": lambda: fuzz.reddit_record("t1"),
    "facebook.posts": fuzz.facebook_record,
    "facebook.visitor_posts": fuzz.facebook_record,
    "facebook.comments": fuzz.facebook_record,
    "facebook.ratings": fuzz.facebook_rating,
}
PARENTS = {"reddit.comments": "t3_fk0001", "facebook.comments": "100000000000101_9000"}


def build_stream(registry: Registry, name: str) -> Stream:
    """The real stream class on its real planned partition; no API is needed to parse."""
    return stream_for(registry, name, parents=PARENTS)


def test_every_stream_has_a_template(registry: Registry) -> None:
    planned = {p.stream_cls.name for p in plan_partitions(registry)}
    assert planned == set(TEMPLATES)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def fuzz_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, registry: Registry
) -> Iterator[Engine]:
    """One warehouse per dialect for all examples (each example rolls back)."""
    if request.param == "sqlite":
        url = migrated_sqlite(tmp_path_factory.mktemp("fuzz") / "w.sqlite", registry)
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    with scratch_postgres(postgres_server_url(), registry, prefix="trustwatch_fuzz") as engine:
        yield engine


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_parser_never_raises_and_accounts_for_every_record(
    name: str, registry: Registry, fuzz_engine: Engine
) -> None:
    stream = build_stream(registry, name)
    with session_scope(fuzz_engine) as session:
        rows = session.execute(select(School.school_key, School.school_id)).tuples().all()
        school_ids = dict(rows)
    commit = make_committer(
        pseudonym_secret=PSEUDONYM_SECRET, school_ids=school_ids, run_started_at=RUN_AT
    )
    valid_items = stream.parse_page(Page([TEMPLATES[name]()]))[0]
    assert len(valid_items) == 1 or name == "reddit.search", name  # the template is valid

    @settings(
        max_examples=150 if fuzz_engine.dialect.name == "sqlite" else 60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(page=fuzz.records(TEMPLATES[name]()))
    def check(page: list[Any]) -> None:
        items, rejected, skipped = stream.parse_page(Page(page))
        assert len(items) + len(rejected) + skipped == len(page)
        assert all(r.reason for r in rejected)
        for item in items:  # what Stream.sync does with every parsed item
            value = stream.replication_value(item)
            assert value is not None
            stream.school_key_for(item)
        with Session(fuzz_engine) as session:  # rolled back: examples stay independent
            loaded = commit(session, stream, items, rejected, None)
            keys = {(i.platform.value, i.external_id) for i in items}
            assert loaded.total == len(keys)
            stored = session.scalar(
                select(func.count()).where(
                    Item.platform == stream.platform.value,
                    Item.external_id.in_([k[1] for k in keys]),
                )
            )
            assert stored == len(keys)
            held = session.scalar(select(func.count()).select_from(Quarantine))
            assert held >= (1 if rejected else 0)
            session.rollback()

    check()
