"""Erasure: the person is gone from every table; the anonymous figures are not."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.privacy.conftest import CHILD, NOW, SECRET, Populated, batch, x_item
from tests.privacy.snapshot import contains, dump
from tests.privacy.test_retention import figures
from trustwatch.cli import main
from trustwatch.db.engine import session_scope
from trustwatch.db.models import AlertEvent, AuditLog, Author, Item, Quarantine
from trustwatch.personal_data.erasure import erase
from trustwatch.personal_data.identify import UnknownAuthorError
from trustwatch.personal_data.pseudonyms import author_key
from trustwatch.personal_data.retention import enforce
from trustwatch.registry import Registry
from trustwatch.warehouse.items import load_items

CHILD_KEY = author_key("x", CHILD["id"], SECRET)


def erase_child(populated: Populated, **overrides: object):
    args = {
        "platform": "x",
        "handle": "@lilyb_2014",
        "platform_author_id": None,
        "actor": "dpo@riverbend",
        "reason": "erasure request 2026-041 from LilyB_2014's parent",
        "secret": SECRET,
        "now": NOW,
    }
    args.update(overrides)
    with session_scope(populated.engine) as session:
        return erase(session, **args)


def test_the_person_is_nowhere_in_the_warehouse(populated_any: Populated) -> None:
    engine = populated_any.engine
    assert contains(engine, CHILD["handle"])  # the fixture really holds them
    before = figures(engine)
    summary = erase_child(populated_any)
    assert contains(engine, CHILD["handle"]) == []
    assert contains(engine, CHILD["name"]) == []
    assert contains(engine, f'"{CHILD["id"]}"') == []  # the platform id, as a JSON value
    assert figures(engine) == before
    assert summary.items_erased == 3
    assert summary.other_items_text_redacted == 1
    assert summary.other_items_raw_purged == 1
    assert summary.quarantine_rows_erased == 1
    assert summary.notes_redacted == 3  # one alert note, two SLA notes quoting the handle


def test_what_remains_is_anonymous_and_useful(populated: Populated) -> None:
    erase_child(populated)
    with session_scope(populated.engine) as s:
        own = s.scalars(select(Item).where(Item.author_key == CHILD_KEY)).all()
        reply = s.scalar(select(Item).where(Item.external_id == "201"))
        author = s.get(Author, CHILD_KEY)
        note = s.scalar(select(AlertEvent.note).where(AlertEvent.event == "note"))
        untouched = s.scalar(select(Quarantine.payload).where(Quarantine.payload_hash == "q2"))
    assert len(own) == 3
    assert all(i.text is None and i.url is None and i.raw is None for i in own)
    assert all(i.text_purged_at == NOW and i.created_at for i in own)
    assert reply.text == "[erased] stop posting about the school"
    assert reply.raw is None
    assert author.erased_at == NOW and author.handle is None and author.display_name is None
    assert note == "Parent targeting [erased]; called family"
    assert untouched == {"id": "302", "username": "someone_else"}


def test_the_erasure_is_audited_without_the_data(populated: Populated) -> None:
    summary = erase_child(populated)
    with session_scope(populated.engine) as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "erasure"))
    assert row.target_type == "author" and row.target_id == CHILD_KEY
    assert row.actor == "dpo@riverbend"
    assert row.detail["items_erased"] == summary.items_erased
    assert row.detail["reason"] == "erasure request 2026-041 from [erased]'s parent"


def test_refetching_their_posts_does_not_undo_the_erasure(populated: Populated) -> None:
    erase_child(populated)
    with session_scope(populated.engine) as s:
        load_items(s, batch(), pseudonym_secret=SECRET)
    assert contains(populated.engine, CHILD["handle"]) == []


def test_unknown_author_changes_nothing(populated: Populated) -> None:
    before = dump(populated.engine)
    with pytest.raises(UnknownAuthorError, match="no x author with handle 'nobody'"):
        erase_child(populated, handle="nobody")
    assert dump(populated.engine) == before


def test_author_id_works_after_retention_purged_the_handle(
    populated: Populated, registry: Registry
) -> None:
    with session_scope(populated.engine) as s:
        enforce(s, registry, now=NOW.replace(year=2028))  # everything is past its period
    with pytest.raises(UnknownAuthorError):
        erase_child(populated)
    summary = erase_child(populated, handle=None, platform_author_id=CHILD["id"])
    assert summary.author_key == CHILD_KEY and summary.items_erased == 3


def test_a_reused_handle_needs_the_id(populated: Populated) -> None:
    with session_scope(populated.engine) as s:
        s.add(
            Author(
                author_key="k" * 64,
                platform="x",
                platform_author_id="777",
                handle="LILYB_2014",
                first_seen_at=NOW,
                last_seen_at=NOW,
            )
        )
    with pytest.raises(Exception, match="pass --author-id"):
        erase_child(populated)


def test_cli_erase_and_unknown(
    populated: Populated, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", str(populated.engine.url))
    assert main(["erase", "--platform", "x", "--author", "nobody"]) == 2
    err = capsys.readouterr().err
    assert "no x author with handle 'nobody'" in err and "Traceback" not in err
    assert main(["erase", "--platform", "myspace", "--author", "x"]) == 2
    assert "unknown platform" in capsys.readouterr().err
    code = main(
        ["erase", "--platform", "x", "--author", "LilyB_2014", "--actor", "dpo", "--reason", "r1"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "erased author" in out and "3 of their items" in out
    assert "LilyB" not in out
    assert contains(populated.engine, CHILD["handle"]) == []
    with session_scope(populated.engine) as s:
        assert s.scalar(select(func.count()).where(AuditLog.action == "erasure")) == 1


def test_a_new_post_after_erasure_loads_without_their_identity(populated: Populated) -> None:
    erase_child(populated)
    later = x_item("104", CHILD, "@OakfieldPrimary new post", -1)  # a day after NOW
    with session_scope(populated.engine) as s:
        result = load_items(s, [later], pseudonym_secret=SECRET)
    assert result.inserted == 1
    with session_scope(populated.engine) as s:
        new = s.scalar(select(Item).where(Item.external_id == "104"))
        author = s.get(Author, CHILD_KEY)
    assert new.text == "@OakfieldPrimary new post" and new.author_key == CHILD_KEY
    assert author.handle is None and author.erased_at == NOW


def test_a_quarantine_reason_quoting_the_handle_is_redacted(populated: Populated) -> None:
    with session_scope(populated.engine) as s:
        s.add(
            Quarantine(
                platform="x",
                stream="x.mentions",
                reason="data check: reply to @LilyB_2014 has no parent",
                check_name="items_batch",
                payload={"id": "303"},
                payload_hash="q3",
                quarantined_at=NOW,
            )
        )
    summary = erase_child(populated)
    assert summary.quarantine_rows_erased == 2
    with session_scope(populated.engine) as s:
        row = s.scalar(select(Quarantine).where(Quarantine.payload_hash == "q3"))
    assert row.reason == "data check: reply to [erased] has no parent"
    assert row.payload == {"id": "303"}  # it did not name them: kept for debugging
