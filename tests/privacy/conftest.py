"""A small warehouse with everything personal data can touch: items, authors, scores,
alerts with staff notes, SLA rows, quarantined payloads; dated against a fixed `NOW`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import (
    Account,
    Alert,
    AlertEvent,
    Classification,
    Item,
    Quarantine,
    ResponseSla,
)
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.registry import Platform
from trustwatch.warehouse.items import load_items

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
SECRET = b"test-pseudonym-secret-not-for-production"
CHILD = {"id": "9001", "handle": "LilyB_2014", "name": "Lily B"}
PARENT = {"id": "9002", "handle": "ParentMo", "name": "Mo (parent)"}
GONE = {"id": "t2_gone77", "handle": "OldTimer77", "name": "Old Timer"}
OAKFIELD_X = "1500000000000000001"


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def x_item(external_id: str, who: dict[str, str], text: str, days: float, **raw: object):
    return CanonicalItem(
        platform=Platform.X,
        external_id=external_id,
        kind=ItemKind.MENTION,
        stream="x_mentions",
        account_platform_id=OAKFIELD_X,
        author_platform_id=who["id"],
        author_handle=who["handle"],
        author_display_name=who["name"],
        author_profile_url=f"https://x.com/{who['handle']}",
        text=text,
        created_at=ago(days),
        url=f"https://x.com/{who['handle']}/status/{external_id}",
        raw={"id": external_id, "author_id": who["id"], "text": text, **raw},
    )


def batch() -> list[CanonicalItem]:
    gone = CanonicalItem(
        platform=Platform.REDDIT,
        external_id="t1_old1",
        kind=ItemKind.COMMENT,
        stream="reddit_comments",
        author_platform_id=GONE["id"],
        author_handle=GONE["handle"],
        text="Millbrook High car park is a nightmare",
        created_at=ago(500),
        url="https://reddit.com/r/Riverbend/comments/abc/car_park/t1_old1",
        raw={"id": "old1", "author": GONE["handle"], "body": "car park"},
    )
    return [
        x_item("101", CHILD, "@OakfieldPrimary year 6 trip was great", 400),
        x_item("102", CHILD, "@OakfieldPrimary someone keeps calling me names", 60),
        x_item("103", CHILD, "@OakfieldPrimary thanks for helping", 5),
        x_item(
            "201",
            PARENT,
            "@LilyB_2014 stop posting about the school",
            3,
            in_reply_to_user_id=CHILD["id"],
            entities={"mentions": [{"username": CHILD["handle"], "id": CHILD["id"]}]},
        ),
        x_item("202", PARENT, "@OakfieldPrimary when is the fair?", 2),
        gone,
    ]


@dataclass(frozen=True)
class Populated:
    engine: Engine
    item_ids: dict[str, int]


def populate(engine: Engine) -> Populated:
    with session_scope(engine) as session:
        load_items(session, batch(), pseudonym_secret=SECRET)
        ids = dict(session.execute(select(Item.external_id, Item.item_id)).tuples().all())
        account = session.scalar(select(Account).where(Account.platform_account_id == OAKFIELD_X))
        for item_id in ids.values():
            for label, score in (("bullying", 0.91), ("complaint", 0.12)):
                session.add(
                    Classification(
                        item_id=item_id,
                        label=label,
                        score=score,
                        is_above_threshold=score > 0.5,
                        model_version="test-1",
                        classified_at=NOW,
                    )
                )
        old_alert = Alert(
            dedupe_key="101:bullying",
            item_id=ids["101"],
            school_id=account.school_id,
            alert_type="bullying",
            severity="high",
            status="resolved",
            score=0.91,
            created_at=ago(399),
            updated_at=ago(398),
        )
        new_alert = Alert(
            dedupe_key="201:bullying",
            item_id=ids["201"],
            school_id=account.school_id,
            alert_type="bullying",
            severity="high",
            status="open",
            score=0.91,
            created_at=ago(3),
            updated_at=ago(3),
        )
        session.add_all([old_alert, new_alert])
        session.flush()
        session.add_all(
            [
                AlertEvent(
                    alert_id=old_alert.alert_id,
                    event="resolved",
                    actor="Priya Desai",
                    note="Spoke to Lily's parents, closed",
                    at=ago(398),
                ),
                AlertEvent(
                    alert_id=new_alert.alert_id,
                    event="note",
                    actor="Priya Desai",
                    note="Parent targeting @LilyB_2014; called family",
                    at=ago(2),
                ),
            ]
        )
        for external_id, days in (("101", 400), ("202", 2)):
            session.add(
                ResponseSla(
                    item_id=ids[external_id],
                    school_id=account.school_id,
                    account_id=account.account_id,
                    clock_item_id=ids[external_id],
                    received_at=ago(days),
                    due_at=ago(days - 1),
                    responded_at=ago(days - 0.5),
                    response_seconds=43200.0,
                    responded_manually_note="replied by DM to LilyB_2014",
                    status="met",
                    computed_at=NOW,
                )
            )
        session.add_all(
            [
                Quarantine(
                    platform="x",
                    stream="x_mentions",
                    external_id="301",
                    reason="created_at: missing",
                    check_name="parse",
                    payload={"id": "301", "author_id": CHILD["id"], "text": "hi"},
                    payload_hash="q1",
                    quarantined_at=ago(40),
                ),
                Quarantine(
                    platform="x",
                    stream="x_mentions",
                    external_id="302",
                    reason="created_at: missing",
                    check_name="parse",
                    payload={"id": "302", "username": "someone_else"},
                    payload_hash="q2",
                    quarantined_at=ago(1),
                ),
            ]
        )
    return Populated(engine, ids)


@pytest.fixture
def populated(sqlite_engine: Engine) -> Populated:
    return populate(sqlite_engine)


@pytest.fixture
def populated_any(any_engine: Engine) -> Populated:
    return populate(any_engine)
