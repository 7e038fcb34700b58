"""Retention: purges on schedule, keeps every figure, writes nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from tests.privacy.conftest import NOW, SECRET, Populated, batch
from tests.privacy.snapshot import dump
from trustwatch.cli import main
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Alert, AuditLog, Author, Classification, Item, ResponseSla
from trustwatch.personal_data.retention import PURGED_ID_PREFIX, enforce
from trustwatch.registry import Registry
from trustwatch.warehouse.items import load_items


def rows(result: object) -> list[tuple]:
    return sorted((tuple(r) for r in result), key=repr)


def figures(engine: Engine) -> dict[str, object]:
    """What dashboards and reports are built from: it must not move when text goes."""
    with session_scope(engine) as s:
        return {
            "items_by_school_kind": rows(
                s.execute(
                    select(Item.school_id, Item.kind, func.count()).group_by(
                        Item.school_id, Item.kind
                    )
                ).all()
            ),
            "items_by_month_author": rows(
                (r[0].strftime("%Y-%m"), r[1])
                for r in s.execute(select(Item.created_at, Item.author_key)).all()
            ),
            "labels": rows(
                s.execute(
                    select(
                        Classification.label, func.count(), func.sum(Classification.score)
                    ).group_by(Classification.label)
                ).all()
            ),
            "sla": rows(
                s.execute(
                    select(
                        ResponseSla.status, func.count(), func.avg(ResponseSla.response_seconds)
                    ).group_by(ResponseSla.status)
                ).all()
            ),
            "alerts": rows(
                s.execute(select(Alert.alert_type, Alert.severity, Alert.status, Alert.score)).all()
            ),
        }


def item(engine: Engine, external_id: str) -> Item:
    with session_scope(engine) as s:
        return s.scalar(select(Item).where(Item.external_id == external_id))


def test_purges_on_both_clocks_and_keeps_figures(
    populated_any: Populated, registry: Registry
) -> None:
    engine = populated_any.engine
    before = figures(engine)
    with session_scope(engine) as s:
        summary = enforce(s, registry, now=NOW)

    old, mid, recent = item(engine, "101"), item(engine, "102"), item(engine, "103")
    assert (old.text, old.url, old.raw) == (None, None, None)
    assert old.text_purged_at == NOW and old.raw_purged_at == NOW
    assert mid.text == "@OakfieldPrimary someone keeps calling me names"
    assert mid.raw is None and mid.raw_purged_at == NOW and mid.text_purged_at is None
    assert recent.text and recent.raw and recent.raw_purged_at is None
    assert figures(engine) == before

    with session_scope(engine) as s:
        authors = {a.platform: a for a in s.scalars(select(Author))}
        gone = s.scalar(select(Author).where(Author.platform == "reddit"))
        child = s.get(Author, old.author_key)
        notes = s.execute(select(ResponseSla.item_id, ResponseSla.responded_manually_note)).all()
    assert gone.handle is None and gone.display_name is None and gone.profile_url is None
    assert gone.platform_author_id == PURGED_ID_PREFIX + gone.author_key
    assert child.handle == "LilyB_2014", "an author with a recent item keeps their handle"
    assert "x" in authors
    assert {r.responded_manually_note for r in notes if r.item_id == old.item_id} == {None}
    assert summary.texts_purged == 2  # item 101 and the reddit comment
    assert summary.raw_payloads_purged == 1  # item 102
    assert summary.authors_purged == 1
    assert summary.notes_purged == 2  # the old alert event note and the old SLA note
    assert summary.quarantine_payloads_purged == 1


def test_second_run_changes_nothing(populated_any: Populated, registry: Registry) -> None:
    engine = populated_any.engine
    with session_scope(engine) as s:
        enforce(s, registry, now=NOW)
    first = dump(engine)
    with session_scope(engine) as s:
        again = enforce(s, registry, now=NOW)
    second = dump(engine)
    assert again.total == 0
    second["audit_log"] = second["audit_log"][:-1]  # the second run's own audit row
    assert second == first


def test_dry_run_counts_the_same_and_writes_nothing(
    populated: Populated, registry: Registry
) -> None:
    engine = populated.engine
    untouched = dump(engine)
    with session_scope(engine) as s:
        dry = enforce(s, registry, now=NOW, dry_run=True)
    assert dump(engine) == untouched
    with session_scope(engine) as s:
        real = enforce(s, registry, now=NOW)
    assert {**dry.as_dict(), "dry_run": False} == real.as_dict()


def test_audit_row_holds_the_counts(populated: Populated, registry: Registry) -> None:
    with session_scope(populated.engine) as s:
        summary = enforce(s, registry, now=NOW)
    with session_scope(populated.engine) as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "retention.enforce"))
    assert row.actor == "retention"
    assert row.detail == summary.as_dict()
    assert row.detail["texts_purged"] == 2


def test_refetch_of_an_unchanged_post_does_not_bring_text_back(
    populated: Populated, registry: Registry
) -> None:
    with session_scope(populated.engine) as s:
        enforce(s, registry, now=NOW)
    with session_scope(populated.engine) as s:
        load_items(s, batch(), pseudonym_secret=SECRET)
    assert item(populated.engine, "101").text is None
    assert item(populated.engine, "102").raw is None


def test_a_post_edited_after_purge_is_purged_again(
    populated: Populated, registry: Registry
) -> None:
    with session_scope(populated.engine) as s:
        enforce(s, registry, now=NOW)
    edited = [i.model_copy(update={"text": "edited"}) for i in batch() if i.external_id == "101"]
    with session_scope(populated.engine) as s:
        load_items(s, edited, pseudonym_secret=SECRET)
    assert item(populated.engine, "101").text == "edited"
    with session_scope(populated.engine) as s:
        assert enforce(s, registry, now=NOW).texts_purged == 1
    assert item(populated.engine, "101").text is None


def test_later_now_purges_more(populated: Populated, registry: Registry) -> None:
    with session_scope(populated.engine) as s:
        enforce(s, registry, now=NOW)
    with session_scope(populated.engine) as s:
        later = enforce(s, registry, now=NOW + dt.timedelta(days=366))
    assert later.texts_purged == 4  # 102, 103, 201, 202
    with session_scope(populated.engine) as s:
        assert s.scalar(select(func.count()).where(Item.text.is_not(None))) == 0
        assert s.scalar(select(func.count()).where(Author.handle.is_not(None))) == 0


def test_naive_now_is_refused(populated: Populated, registry: Registry) -> None:
    with session_scope(populated.engine) as s, pytest.raises(ValueError, match="aware"):
        enforce(s, registry, now=dt.datetime(2026, 11, 28))


def test_cli_dry_run_then_real(
    populated: Populated, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", str(populated.engine.url))
    assert main(["retention", "--now", "2026-11-28T12:00:00Z", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would purge" in out and "2 item texts" in out and "1 raw payloads" in out
    assert item(populated.engine, "101").text is not None
    assert main(["retention", "--now", "2026-11-28T12:00:00Z"]) == 0
    assert "purged at 2026-11-28T12:00:00+00:00: 2 item texts" in capsys.readouterr().out
    assert item(populated.engine, "101").text is None


def test_cli_bad_now_is_a_user_error(
    populated: Populated, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", str(populated.engine.url))
    assert main(["retention", "--now", "yesterday"]) == 2
    err = capsys.readouterr().err
    assert "ISO 8601" in err and "Traceback" not in err
