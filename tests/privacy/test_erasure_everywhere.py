"""After erasure, no table, no JSON value and no file under var/ names the person.

The warehouse gets every kind of row that can hold someone: their posts, a reply naming
them, quarantined raw bodies (with their id, handle, name and text), staff notes calling
them by handle and by name, an ingest error quoting them, a notification ledger row, a
data-check sample, an audit detail, and a report on disk quoting them. The scan walks
the SQLAlchemy metadata, so a table added later is scanned without editing this test.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from sqlalchemy import JSON, Engine, String, Text, select

from tests.privacy.conftest import NOW, SECRET, Populated, ago
from trustwatch.db.engine import session_scope
from trustwatch.db.models import (
    AlertEvent,
    AuditLog,
    Base,
    IdentityTombstone,
    IngestState,
    Item,
    ManualResponse,
    Notification,
    Quarantine,
    ValidationResult,
)
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.personal_data.erasure import erase
from trustwatch.personal_data.pseudonyms import author_key
from trustwatch.personal_data.subject_access import export_subject
from trustwatch.registry import Platform
from trustwatch.settings import get_settings
from trustwatch.warehouse.items import load_items

ID, HANDLE, NAME = "7788990011", "SentinelKid_77", "Ellie Fairweather"
OWN_TEXT = "@OakfieldPrimary my brother got hurt at football club and nobody rang us"
KEY = author_key("x", ID, SECRET)


def _tweet(external_id: str, text: str, days: float, who: tuple[str, str, str]) -> CanonicalItem:
    """An X item shaped as the connector builds it, raw payload and all."""
    uid, handle, name = who
    user = {"id": uid, "username": handle, "name": name, "description": f"I am {name}"}
    return CanonicalItem(
        platform=Platform.X, external_id=external_id, kind=ItemKind.MENTION,
        stream="x_mentions", account_platform_id="1500000000000000001",
        author_platform_id=uid, author_handle=handle, author_display_name=name,
        author_profile_url=f"https://x.com/{handle}", text=text, created_at=ago(days),
        url=f"https://x.com/{handle}/status/{external_id}",
        raw={"data": {"id": external_id, "author_id": uid, "text": text,
                      "entities": {"mentions": [{"username": HANDLE, "id": ID}]}},
             "includes": {"users": [user]}},
    )  # fmt: skip


SUBJECT = (ID, HANDLE, NAME)
OTHER = ("5550001", "SomeoneElse", "Sam Other")


def _plant(engine: Engine, report_dir: Path) -> None:
    with session_scope(engine) as s:
        load_items(s, [
            _tweet("9001001", OWN_TEXT, 4, SUBJECT),
            _tweet("9001002", "@OakfieldPrimary thank you for the call back today", 2, SUBJECT),
            _tweet("9001003", f"@{HANDLE} is lying, {NAME} always does", 1, OTHER),
        ], pseudonym_secret=SECRET)  # fmt: skip
        item_id = s.scalar(select(Item.item_id).where(Item.external_id == "9001001"))
        alert_id = s.execute(
            Base.metadata.tables["alerts"]
            .insert()
            .values(
                dedupe_key="9001001:safeguarding",
                item_id=item_id,
                alert_type="safeguarding",
                severity="critical",
                status="open",
                routed_to=[],
                created_at=NOW,
                updated_at=NOW,
            )
        ).inserted_primary_key[0]
        s.add_all([
            AlertEvent(alert_id=alert_id, event="note", actor="Priya Desai",
                       note=f"Rang {NAME}'s mother; @{HANDLE} safe", at=NOW),
            ManualResponse(item_id=item_id, responded_at=NOW, marked_by="Priya Desai",
                           note=f"Called {NAME} back", marked_at=NOW),
            Notification(subject=f"alert:{alert_id}", alert_id=alert_id, state="critical",
                         channel="email", status="sent", attempts=1, first_attempt_at=NOW,
                         last_attempt_at=NOW, sent_at=NOW),
            Quarantine(platform="x", stream="x_mentions", external_id="9001009",
                       reason=f"created_at missing in post by {HANDLE}", check_name="parse",
                       payload={"data": {"id": "9001009", "text": OWN_TEXT},
                                "includes": {"users": [{"username": HANDLE, "name": NAME}]}},
                       payload_hash="sentinel-q1", quarantined_at=ago(1)),
            Quarantine(platform="x", stream="x_mentions", reason="response_json",
                       check_name="response_json",
                       payload={"body": f'{{"author_id": "{ID}", "text": "hi"}}'},
                       payload_hash="sentinel-q2", quarantined_at=ago(1)),
            IngestState(stream="x.mentions", partition="x:oakfield", cursor={},
                        last_error=f"includes.users entry for {HANDLE} has no id"),
            ValidationResult(suite_name="stg_x", target="items", data_interval_start=ago(1),
                             data_interval_end=NOW, success=False, evaluated=1, failed=1,
                             rows_checked=3, rows_failed=1, result_hash="h",
                             failures=[{"column": "text", "sample": [OWN_TEXT]}]),
            AuditLog(actor="Priya Desai", action="author.view", target_type="author",
                     target_id=KEY, detail={"handle": HANDLE, "name": NAME}, at=NOW),
        ])  # fmt: skip
    report_dir.mkdir(parents=True, exist_ok=True)
    quoted = OWN_TEXT.replace("@OakfieldPrimary", "@[someone]")
    (report_dir / "2026-w48-trust.html").write_text(f"<p>Example: {quoted}</p>")
    (report_dir / "2026-w48-trust.pdf").write_bytes(b"%PDF-1.7 compressed")
    (report_dir / "2026-w47-trust.html").write_text("<p>No complaints this week</p>")


EVERYTHING = re.compile(rf"{ID}|{HANDLE}|{NAME}|Fairweather", re.IGNORECASE)
NAMES = re.compile(rf"{HANDLE}|{NAME}|Fairweather", re.IGNORECASE)


def _column_hits(engine: Engine, pattern: re.Pattern[str] = EVERYTHING) -> list[str]:
    """table.column for every text or JSON value matching the id, handle or name."""
    hits = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String | Text | JSON)]
            for row in conn.execute(select(*columns)).mappings():
                for name, value in row.items():
                    text = value if isinstance(value, str) else json.dumps(value)
                    if value is not None and pattern.search(text):
                        hits.append(f"{table.name}.{name}")
    return sorted(set(hits))


def _file_hits(root: Path) -> list[str]:
    pattern = re.compile(rf"{ID}|{HANDLE}|{NAME}|brother got hurt", re.IGNORECASE)
    return [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and pattern.search(p.read_bytes().decode("utf-8", "replace"))
    ]


def test_erasure_leaves_no_row_and_no_file_naming_them(populated_any: Populated) -> None:
    engine = populated_any.engine
    var = get_settings().var_dir
    _plant(engine, var / "reports")
    before = _column_hits(engine)
    assert {"authors.handle", "quarantine.payload", "alert_events.note"} <= set(before)
    # the loader keeps handles and names out of items.url and items.raw (ids stay in raw)
    assert not {"items.url", "items.raw"} & set(_column_hits(engine, NAMES))
    assert _file_hits(var) == ["reports/2026-w48-trust.html"]

    with session_scope(engine) as s:
        summary = erase(s, platform="x", handle=HANDLE, platform_author_id=None,
                        actor="dpo", reason="request 7", secret=SECRET, now=NOW)  # fmt: skip

    assert _column_hits(engine) == []
    assert _file_hits(var) == []
    assert sorted(p.name for p in (var / "reports").iterdir()) == ["2026-w47-trust.html"]
    assert summary.report_files_deleted == 2 and summary.error_texts_redacted >= 1
    with session_scope(engine) as s:
        tomb = s.get(IdentityTombstone, KEY)
        assert tomb is not None and tomb.reason == "erasure"
        assert ID not in json.dumps([tomb.tombstone_key, tomb.platform])


def test_subject_access_export_shows_quarantine_notes_and_reports(populated_any: Populated) -> None:
    engine = populated_any.engine
    _plant(engine, get_settings().var_dir / "reports")
    with session_scope(engine) as s:
        doc = export_subject(s, platform="x", handle=HANDLE, platform_author_id=None,
                             actor="dpo", secret=SECRET, now=NOW)  # fmt: skip
    assert len(doc["items"]) == 2
    assert {q["external_id"] for q in doc["quarantined_records"]} == {"9001009", None}
    notes = {n["table"] for n in doc["staff_notes_naming_them"]}
    assert {"alert_events", "manual_responses"} <= notes
    assert doc["reports_quoting_them"] == ["2026-w48-trust.html"]
    [alert] = [a for i in doc["items"] for a in i["alerts"]]
    assert alert["notifications"][0]["channel"] == "email"
    assert [m["external_id"] for m in doc["items_mentioning_handle"]] == ["9001003"]


def test_a_refetch_after_erasure_brings_nothing_back(populated_any: Populated) -> None:
    engine = populated_any.engine
    _plant(engine, get_settings().var_dir / "reports")
    with session_scope(engine) as s:
        erase(s, platform="x", handle=HANDLE, platform_author_id=None, actor="dpo",
              reason=None, secret=SECRET, now=NOW)  # fmt: skip
    later = NOW + dt.timedelta(days=1)
    with session_scope(engine) as s:
        load_items(s, [_tweet("9001001", OWN_TEXT + " edited", 4, SUBJECT),
                       _tweet("9001077", "@OakfieldPrimary new post after", -0.5, SUBJECT)],
                   pseudonym_secret=SECRET, now=later)  # fmt: skip
    hits = _column_hits(engine)
    assert hits == []
    with session_scope(engine) as s:
        old = s.scalar(select(Item).where(Item.external_id == "9001001"))
        assert old.text is None and old.raw is None  # dropped, not rewritten
