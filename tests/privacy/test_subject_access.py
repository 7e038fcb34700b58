"""Subject access: one JSON document with everything held about the person."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.privacy.conftest import CHILD, NOW, SECRET, Populated
from tests.privacy.test_erasure import CHILD_KEY, erase_child
from trustwatch.cli import main
from trustwatch.db.engine import session_scope
from trustwatch.db.models import AuditLog, Author
from trustwatch.personal_data.subject_access import FORMAT, export_subject


def export(populated: Populated, **overrides: object) -> dict:
    args = {
        "platform": "x",
        "handle": CHILD["handle"],
        "platform_author_id": None,
        "actor": "dpo",
        "secret": SECRET,
        "now": NOW,
    }
    args.update(overrides)
    with session_scope(populated.engine) as session:
        return export_subject(session, **args)


def test_document_holds_author_items_scores_alerts_and_sla(populated: Populated) -> None:
    doc = export(populated)
    assert doc["format"] == FORMAT and doc["platform"] == "x"
    assert doc["author"]["handle"] == "LilyB_2014"
    assert doc["author"]["platform_author_id"] == CHILD["id"]
    assert [i["external_id"] for i in doc["items"]] == ["101", "102", "103"]
    first = doc["items"][0]
    assert first["text"] == "@OakfieldPrimary year 6 trip was great"
    assert first["school"] == "oakfield" and first["school_account"] == "OakfieldPrimary"
    assert {c["label"] for c in first["classifications"]} == {"bullying", "complaint"}
    assert first["alerts"][0]["events"][0]["note"] == "Spoke to Lily's parents, closed"
    assert first["response_sla"]["status"] == "met"
    assert first["manual_responses"] == []
    assert [m["external_id"] for m in doc["items_mentioning_handle"]] == ["201"]
    assert "text" not in doc["items_mentioning_handle"][0]  # third-party content
    json.dumps(doc)  # JSON-safe as it stands


def test_export_is_audited(populated: Populated) -> None:
    export(populated)
    with session_scope(populated.engine) as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "subject_access.export"))
    assert row.target_id == CHILD_KEY and row.detail == {"items": 3, "mentions": 1}


def test_after_erasure_the_export_shows_only_the_erasure(populated: Populated) -> None:
    erase_child(populated)
    doc = export(populated, handle=None, platform_author_id=CHILD["id"])
    assert doc["author"]["handle"] is None and doc["author"]["erased_at"]
    assert all(i["text"] is None for i in doc["items"])
    assert [h["action"] for h in doc["data_protection_history"]] == ["erasure"]


def test_cli_export_to_a_private_file(
    populated: Populated,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", str(populated.engine.url))
    out = tmp_path / "sar" / "lily.json"
    assert main(["export", "--platform", "x", "--author", "lilyb_2014", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    doc = json.loads(out.read_text())
    assert len(doc["items"]) == 3
    assert "wrote 3 items" in capsys.readouterr().err
    assert main(["export", "--platform", "x", "--author", "ghost"]) == 2


def test_handle_without_platform(
    populated: Populated, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", str(populated.engine.url))
    assert main(["export", "--author", "@LilyB_2014"]) == 0
    assert json.loads(capsys.readouterr().out)["platform"] == "x"
    assert main(["export", "--author-id", CHILD["id"]]) == 2
    assert "pass --platform too" in capsys.readouterr().err
    with session_scope(populated.engine) as s:
        s.add(
            Author(
                author_key="r" * 64,
                platform="reddit",
                platform_author_id="LilyB_2014",
                handle="LilyB_2014",
                first_seen_at=NOW,
                last_seen_at=NOW,
            )
        )
    assert main(["export", "--author", "LilyB_2014"]) == 2
    assert "pass --platform (one of reddit, x)" in capsys.readouterr().err
