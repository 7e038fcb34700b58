"""Seed the warehouse the way the pipeline does: items and authors through `load_items`,
then scores, response clocks and alerts as the classifier and SLA jobs would write them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustwatch.db.models import (
    Account,
    Alert,
    Classification,
    Item,
    ResponseSla,
    School,
    WebUser,
)
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.registry import Platform
from trustwatch.settings import get_settings
from trustwatch.warehouse.items import load_items
from trustwatch.web.roles import Role
from trustwatch.web.security import hash_password

PASSWORD = "correct horse battery staple"
MODEL_VERSION = "minilm-lora-test-0001"
_ids = count(1)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def school_id(session: Session, key: str) -> int:
    return session.scalar(select(School.school_id).where(School.school_key == key))


def account(session: Session, key: str, platform: str) -> Account:
    return session.scalar(
        select(Account)
        .join(School, School.school_id == Account.school_id)
        .where(School.school_key == key, Account.platform == platform)
    )


@lru_cache(maxsize=1)
def _password_hash() -> str:
    """Argon2 is slow on purpose; hash the shared test password once per run."""
    return hash_password(PASSWORD)


def make_user(
    session: Session, *, email: str, role: Role, school_key: str | None = None
) -> WebUser:
    """A user row as `create_user` writes it, with the cached hash of PASSWORD."""
    now = dt.datetime.now(dt.UTC)
    user = WebUser(
        email=email,
        display_name=email.split("@")[0].replace(".", " ").title(),
        role=role.value,
        school_id=school_id(session, school_key) if school_key else None,
        password_hash=_password_hash(),
        is_active=True,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class Post:
    """One message in a seeded thread: who wrote it, what it says, minutes after the root."""

    text: str
    author_id: str | None = None
    handle: str | None = None
    profile_url: str | None = None
    minutes: int = 0
    from_school: bool = False


def add_thread(
    session: Session,
    *,
    school_key: str,
    platform: str = "facebook",
    start: dt.datetime,
    posts: list[Post],
) -> list[Item]:
    """A school post followed by comments, loaded with the warehouse's own loader."""
    acct = account(session, school_key, platform)
    root = f"t{next(_ids)}"
    canon = []
    for i, post in enumerate(posts):
        external_id = root if i == 0 else f"{root}-c{i}"
        canon.append(
            CanonicalItem(
                platform=Platform(platform),
                external_id=external_id,
                kind=ItemKind.POST if i == 0 else ItemKind.COMMENT,
                stream=f"{platform}:comments",
                account_platform_id=acct.platform_account_id,
                parent_external_id=None if i == 0 else root,
                thread_root_external_id=root,
                author_platform_id=post.author_id,
                author_handle=post.handle,
                author_profile_url=post.profile_url,
                is_from_school=post.from_school,
                text=post.text,
                created_at=start + dt.timedelta(minutes=post.minutes),
                url=f"https://www.{platform}.com/{acct.handle}/posts/{external_id}",
            )
        )
    load_items(session, canon, pseudonym_secret=get_settings().pseudonym_key())
    session.flush()
    ids = [c.external_id for c in canon]
    rows = {
        i.external_id: i
        for i in session.scalars(
            select(Item).where(Item.platform == platform, Item.external_id.in_(ids))
        )
    }
    return [rows[i] for i in ids]


def add_score(session: Session, item: Item, label: str, score: float) -> Classification:
    row = Classification(
        item_id=item.item_id,
        label=label,
        score=score,
        is_above_threshold=score >= 0.5,
        model_version=MODEL_VERSION,
    )
    session.add(row)
    session.flush()
    return row


def add_alert(
    session: Session,
    item: Item,
    *,
    alert_type: str = "bullying",
    severity: str = "high",
    status: str = "open",
    created_at: dt.datetime | None = None,
    score: float | None = 0.91,
) -> Alert:
    created = created_at or item.created_at + dt.timedelta(minutes=5)
    alert = Alert(
        dedupe_key=f"{item.item_id}:{alert_type}",
        item_id=item.item_id,
        school_id=item.school_id,
        alert_type=alert_type,
        severity=severity,
        status=status,
        score=score,
        model_version=MODEL_VERSION if score is not None else None,
        routed_to=["dsl@oakfield.example.org"],
        created_at=created,
        updated_at=created,
    )
    session.add(alert)
    session.flush()
    return alert


def _monday(instant: dt.datetime) -> dt.date:
    day = instant.astimezone(ZoneInfo("Europe/London")).date()
    return day - dt.timedelta(days=day.weekday())


def add_clock(
    session: Session,
    item: Item,
    *,
    due_in: dt.timedelta = dt.timedelta(hours=24),
    responded_after: dt.timedelta | None = None,
    clock_of: Item | None = None,
) -> ResponseSla:
    """A response clock row as the SLA job writes it; `clock_of` joins an earlier run."""
    responded = item.created_at + responded_after if responded_after is not None else None
    due = item.created_at + due_in
    if responded is None:
        status = "open_breached" if due <= dt.datetime.now(dt.UTC) else "open"
    else:
        status = "met" if responded <= due else "breached"
    row = ResponseSla(
        item_id=item.item_id,
        school_id=item.school_id,
        account_id=item.account_id,
        clock_item_id=(clock_of or item).item_id,
        received_at=item.created_at,
        due_at=due,
        responded_at=responded,
        response_seconds=responded_after.total_seconds() if responded_after else None,
        status=status,
        week_start=_monday(item.created_at),
    )
    session.add(row)
    session.flush()
    return row
