"""Leads' verdicts are personal data: retention, erasure and subject access cover them."""

from __future__ import annotations

from sqlalchemy import select

from tests.privacy.conftest import NOW, Populated, ago
from tests.privacy.test_erasure import erase_child
from tests.privacy.test_subject_access import export
from trustwatch.db.engine import session_scope
from trustwatch.db.models import LabelVerdict, WebUser
from trustwatch.personal_data.retention import enforce
from trustwatch.registry import Registry


def _add_verdicts(populated: Populated) -> None:
    """Verdicts on the child's old (101) and recent (102) items, and on the parent's (202)."""
    with session_scope(populated.engine) as s:
        lead = WebUser(
            email="dsl@oakfield.example.org",
            display_name="Zed Reviewer",
            role="lead",
            password_hash="x",
        )
        s.add(lead)
        s.flush()
        for external_id, label, verdict, should_be, days in (
            ("101", "bullying", "dismissed", None, 398),
            ("102", "bullying", "confirmed", None, 59),
            ("102", "safeguarding", "missed", None, 59),
            ("202", "bullying", "should_be", "complaint", 1),
        ):
            s.add(
                LabelVerdict(
                    item_id=populated.item_ids[external_id],
                    label=label,
                    verdict=verdict,
                    should_be=should_be,
                    reviewer_id=lead.user_id,
                    model_version="test-1",
                    decided_at=ago(days),
                )
            )


def _remaining(populated: Populated) -> set[tuple[str, str]]:
    ids = {v: k for k, v in populated.item_ids.items()}
    with session_scope(populated.engine) as s:
        return {(ids[v.item_id], v.label) for v in s.scalars(select(LabelVerdict))}


def test_retention_deletes_verdicts_with_the_text(populated: Populated, registry: Registry):
    _add_verdicts(populated)
    with session_scope(populated.engine) as s:
        dry = enforce(s, registry, now=NOW, dry_run=True)
    assert dry.verdicts_purged == 1
    assert len(_remaining(populated)) == 4  # a dry run deletes nothing
    with session_scope(populated.engine) as s:
        summary = enforce(s, registry, now=NOW)
    assert summary.verdicts_purged == 1  # item 101 is past the 365-day text clock
    assert _remaining(populated) == {
        ("102", "bullying"),
        ("102", "safeguarding"),
        ("202", "bullying"),
    }
    with session_scope(populated.engine) as s:
        assert enforce(s, registry, now=NOW).verdicts_purged == 0


def test_erasure_deletes_verdicts_on_the_persons_items_only(populated: Populated):
    _add_verdicts(populated)
    summary = erase_child(populated)
    assert summary.verdicts_deleted == 3
    assert _remaining(populated) == {("202", "bullying")}  # the parent's item is not theirs


def test_subject_access_lists_verdicts_without_the_reviewer(populated: Populated):
    _add_verdicts(populated)
    doc = export(populated)
    by_item = {i["external_id"]: i["label_verdicts"] for i in doc["items"]}
    assert by_item["103"] == []
    assert [(v["label"], v["verdict"]) for v in by_item["102"]] == [
        ("bullying", "confirmed"),
        ("safeguarding", "missed"),
    ]
    assert "Zed Reviewer" not in str(doc) and "dsl@oakfield" not in str(doc)
    assert set(by_item["101"][0]) == {
        "label",
        "verdict",
        "should_be",
        "model_version",
        "decided_at",
    }
