"""The replay corpus and source: its shape, idempotent loads (SQLite and PostgreSQL),
and an hour-by-hour replay that ends exactly where a one-shot replay does."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from sqlalchemy import Engine, select

from connectors.replay import CORPUS_DIR, ReplayCorpus
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Base, Item, Quarantine, School
from trustwatch.ingest import ReplaySource, run_ingest

SECRET = b"replay-tests-pseudonym-secret"
LONDON = __import__("zoneinfo").ZoneInfo("Europe/London")


def replay(engine: Engine, registry, as_of: dt.datetime | None = None):
    return run_ingest(engine, registry, source=ReplaySource(as_of=as_of), pseudonym_secret=SECRET)


def snapshot(engine: Engine) -> dict[str, list[str]]:
    with session_scope(engine) as session:
        return {
            table.name: sorted(str(tuple(row)) for row in session.execute(select(table)).all())
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture(scope="module")
def corpus() -> ReplayCorpus:
    return ReplayCorpus()


def test_corpus_size_span_and_labels(corpus: ReplayCorpus) -> None:
    manifest = corpus.manifest
    assert manifest["items"] >= 400
    assert all(n >= 60 for n in manifest["by_platform"].values()), manifest["by_platform"]
    labels = Counter(
        v.split(":")[0] for v in json.loads((CORPUS_DIR / "labels.json").read_text()).values()
    )
    for label in (
        "question",
        "complaint",
        "praise",
        "abuse",
        "bullying",
        "safeguarding",
        "journalist",
        "spam",
        "school",
    ):
        assert labels[label] >= 2, label
    assert len(labels) and sum(labels.values()) >= 400


def test_the_corpus_is_generated_deterministically(tmp_path, monkeypatch) -> None:
    from connectors.replay import build_corpus

    monkeypatch.setattr(build_corpus, "OUT", tmp_path / "corpus")
    build_corpus.build()
    written = sorted(
        p.relative_to(tmp_path / "corpus") for p in (tmp_path / "corpus").rglob("*.json")
    )
    committed = sorted(p.relative_to(CORPUS_DIR) for p in CORPUS_DIR.rglob("*.json"))
    assert written == committed
    for path in written:
        assert (tmp_path / "corpus" / path).read_bytes() == (CORPUS_DIR / path).read_bytes(), path


def test_replay_loads_everything_and_a_second_run_changes_no_row(
    sqlite_engine, registry, corpus
) -> None:
    first = replay(sqlite_engine, registry)
    assert first.ok, [r.error for r in first.results if r.error]
    assert first.total("inserted") == corpus.count()
    assert first.total("quarantined") == 0
    before = snapshot(sqlite_engine)

    second = replay(sqlite_engine, registry)
    assert second.ok and second.total("inserted") == 0 and second.total("updated") == 0
    assert snapshot(sqlite_engine) == before


@pytest.mark.postgres
def test_replay_load_on_postgresql(pg_engine, registry, corpus) -> None:
    first = replay(pg_engine, registry)
    assert first.ok and first.total("inserted") == corpus.count()
    before = snapshot(pg_engine)
    assert replay(pg_engine, registry).total("updated") == 0
    assert snapshot(pg_engine) == before


def test_every_school_and_platform_is_covered(sqlite_engine, registry) -> None:
    replay(sqlite_engine, registry)
    with session_scope(sqlite_engine) as session:
        rows = session.execute(
            select(School.school_key, Item.platform).join(
                School, School.school_id == Item.school_id
            )
        ).all()
        days = {r.date() for r in session.scalars(select(Item.created_at)).all()}
        unattributed = session.scalar(select(Item).where(Item.school_id.is_(None)))
    seen = Counter(rows)
    for school in ("oakfield", "millbrook", "harbourside"):
        for platform in ("x", "facebook", "reddit"):
            assert seen[(school, platform)] >= 3, (school, platform)
    assert len([d for d in days if dt.date(2026, 11, 2) <= d <= dt.date(2026, 11, 22)]) == 21
    assert any(d.weekday() >= 5 for d in days)
    assert unattributed is None


def _first_answers(engine: Engine) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """(asked, answered) per thread: the first outside message and the school's next one."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                Item.platform, Item.thread_root_external_id, Item.created_at, Item.is_from_school
            )
            .where(Item.account_id.is_not(None))
            .order_by(Item.created_at)
        ).all()
    threads: dict[tuple[str, str], list] = {}
    for platform, root, created, from_school in rows:
        threads.setdefault((platform, root), []).append((created, from_school))
    out = []
    for messages in threads.values():
        asked = next((c for c, school in messages if not school), None)
        if asked is None:
            continue
        answered = next((c for c, school in messages if school and c > asked), None)
        out.append((asked, answered))
    return out


def test_answers_come_after_minutes_hours_days_or_never(sqlite_engine, registry) -> None:
    replay(sqlite_engine, registry)
    threads = _first_answers(sqlite_engine)
    delays = [answered - asked for asked, answered in threads if answered]
    assert any(d < dt.timedelta(hours=1) for d in delays)
    assert any(dt.timedelta(hours=1) <= d < dt.timedelta(hours=24) for d in delays)
    assert any(d > dt.timedelta(hours=24) for d in delays)
    assert sum(1 for _, answered in threads if answered is None) >= 10
    # Over a weekend: asked on Friday evening or Saturday, answered on Monday.
    assert any(
        a.astimezone(LONDON).weekday() in (4, 5) and b.astimezone(LONDON).weekday() == 0
        for a, b in threads
        if b
    )
    # The summer bank holiday: asked on the weekend before, answered on Tuesday 1 September.
    assert any(
        a.date() in (dt.date(2026, 8, 29), dt.date(2026, 8, 30), dt.date(2026, 8, 31))
        and b.date() == dt.date(2026, 9, 1)
        for a, b in threads
        if b
    )
    # Oakfield's INSET day (Monday 23 November): asked on Sunday, answered on Tuesday.
    assert any(
        a.date() == dt.date(2026, 11, 22) and b.date() == dt.date(2026, 11, 24)
        for a, b in threads
        if b
    )


def test_hour_by_hour_replay_ends_where_a_one_shot_replay_does(
    sqlite_engine, registry, tmp_path, corpus
) -> None:
    from trustwatch.db.engine import make_engine
    from trustwatch.db.migrate import upgrade
    from trustwatch.warehouse.registry_sync import sync_registry

    moments = [
        dt.datetime(2026, 11, 14, 0, tzinfo=dt.UTC) + dt.timedelta(hours=6 * i) for i in range(9)
    ]
    for as_of in moments:
        summary = replay(sqlite_engine, registry, as_of)
        assert summary.ok
        with session_scope(sqlite_engine) as session:
            newest = max(session.scalars(select(Item.created_at)).all())
        assert newest <= as_of, "an item from the future was visible"
    replay(sqlite_engine, registry, corpus.ends_at)

    other = make_engine(f"sqlite:///{tmp_path / 'one_shot.sqlite'}")
    upgrade(other)
    with session_scope(other) as session:
        sync_registry(session, registry)
    replay(other, registry, corpus.ends_at)

    def content(engine: Engine) -> set[tuple[str, str, str]]:
        with session_scope(engine) as session:
            return set(
                session.execute(select(Item.platform, Item.external_id, Item.content_hash)).tuples()
            )

    assert content(sqlite_engine) == content(other)
    with session_scope(sqlite_engine) as session:
        assert session.scalar(select(Quarantine)) is None
    other.dispose()
