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


def test_each_section_keeps_its_documented_keys_and_order(populated: Populated) -> None:
    """The file is read by people and other tools: keys and their order are the format."""
    doc = export(populated)
    first = doc["items"][0]
    assert list(first) == [
        "item_id", "platform", "external_id", "kind", "school", "school_account",
        "parent_external_id", "thread_root_external_id", "created_at", "ingested_at", "text",
        "language", "url", "is_deleted", "raw", "text_purged_at", "raw_purged_at",
        "classifications", "alerts", "response_sla", "manual_responses", "label_verdicts",
    ]  # fmt: skip
    assert list(first["classifications"][0]) == [
        "label", "score", "is_above_threshold", "model_version", "classified_at",
    ]  # fmt: skip
    # Ordered by time, then label.
    assert [c["label"] for c in first["classifications"]] == ["bullying", "complaint"]
    alert = first["alerts"][0]
    assert list(alert) == [
        "alert_id", "alert_type", "severity", "status", "score", "created_at", "updated_at",
        "notifications", "events",
    ]  # fmt: skip
    assert list(alert["events"][0]) == [
        "event", "from_status", "to_status", "from_severity", "to_severity", "actor", "note",
        "at",
    ]  # fmt: skip
    assert alert["created_at"] == "2025-10-25T12:00:00+00:00"  # ISO 8601, UTC
    assert list(first["response_sla"]) == [
        "received_at", "due_at", "responded_at", "response_seconds", "status",
        "responded_manually_note",
    ]  # fmt: skip
    assert doc["items"][1]["response_sla"] is None  # no clock: null, not an empty object
    assert list(doc["quarantined_records"][0]) == [
        "external_id", "stream", "reason", "payload", "quarantined_at",
    ]  # fmt: skip


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
