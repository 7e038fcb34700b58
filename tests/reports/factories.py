"""Warehouse rows for report, notification and notebook tests, built through the ORM.

`seed_activity` writes a few months of plausible activity for the example trust (items,
authors, two model versions of scores, SLA rows, alerts with reviewer decisions) from a
seeded random generator, so every run writes the same warehouse. The texts are invented
here; no dataset text is used. Tests compare report figures with their own queries
against these rows, never with numbers copied from this file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustwatch.db.models import (
    Account,
    Alert,
    AlertEvent,
    Author,
    Classification,
    Item,
    ResponseSla,
    School,
)
from trustwatch.personal_data.pseudonyms import author_key
from trustwatch.registry import Registry

SEED_START = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
SEED_END = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
REPORT_NOW = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
FACTORY_SECRET = b"factory-pseudonym-secret"
LABELS = ("abuse", "bullying", "hate", "complaint", "safeguarding")
MODEL_OLD, MODEL_NEW = "factory-v0", "factory-v1"

COMPLAINT_THEMES: dict[str, list[str]] = {
    "parking": [
        "Parents parking on the zigzag lines at pick-up again, someone will get hurt",
        "The traffic outside the school gate at 3pm is dangerous, cars blocking driveways",
        "Can the school do something about parking at drop-off? Cars on the pavement every day",
        "Nobody manages the car park at pick-up time, it is chaos and unsafe for children",
    ],
    "lunch": [
        "My child came home hungry again, the school lunch portions are far too small",
        "The canteen ran out of hot lunches before the younger ones got there",
        "School dinners are cold and the lunch menu never matches what is served",
        "Paying for school meals that children will not eat, the lunch quality has dropped",
    ],
    "uniform": [
        "Forty pounds for a branded blazer is too much, let us buy uniform from supermarkets",
        "The new uniform policy means buying everything again, the cost is unfair on families",
        "Why must the PE kit have the logo? Uniform prices keep going up every year",
        "The uniform shop has no sizes left and the cost of the blazer is ridiculous",
    ],
    "communication": [
        "We found out about the trip the day before, the newsletter never arrives on time",
        "Emails to the office go unanswered for weeks, communication with parents is poor",
        "Nobody told us the homework platform changed, messages from school are so late",
        "The parents evening booking letter came after the slots had gone, poor communication",
    ],
}
OTHER_TEXTS: dict[str, list[str]] = {
    "abuse": [
        "The head is a useless clown and should be sacked",
        "Whoever runs this page is pathetic and clueless",
        "Absolute joke of a school run by idiots",
    ],
    "bullying": [
        "A group of year 8s keep ganging up on one boy in the lunch queue and filming it",
        "My daughter is being picked on every day on the bus and the messages are horrible",
        "They made a group chat just to laugh at one girl in her class",
    ],
    "hate": [
        "People like them should not be allowed in our schools",
        "That lot do not belong round here, the school should keep them out",
    ],
    "safeguarding": [
        "A child told me an adult has been messaging her and asking to meet after school",
        "I saw a pupil with bruises who said she is scared to go home",
        "An older man keeps waiting by the gate and offering lifts to pupils",
    ],
    "neutral": [
        "Well done to the netball team on the win today",
        "Lovely harvest festival this morning, thank you to all the staff",
        "What time does the Christmas fair start on Saturday?",
        "Great photos from the year 6 trip",
        "Is the school open on the INSET day for breakfast club?",
    ],
}
CATEGORY_WEIGHTS = {
    "neutral": 0.52,
    "complaint": 0.22,
    "abuse": 0.08,
    "bullying": 0.07,
    "hate": 0.04,
    "safeguarding": 0.07,
}
REPLY_KINDS = ("comment", "visitor_post", "reply", "dm")


def _hash(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


@dataclass
class WarehouseFactory:
    """Adds rows one at a time; every method flushes so ids are available at once."""

    session: Session
    secret: bytes
    _counter: int = 0
    _accounts: dict[tuple[str, str], Account] = field(default_factory=dict)

    def school(self, key: str) -> School:
        return self.session.scalars(select(School).where(School.school_key == key)).one()

    def account(self, school_key: str, platform: str) -> Account | None:
        cached = self._accounts.get((school_key, platform))
        if cached is None:
            cached = self.session.scalars(
                select(Account)
                .join(School)
                .where(School.school_key == school_key, Account.platform == platform)
            ).first()
            if cached is not None:
                self._accounts[(school_key, platform)] = cached
        return cached

    def author(self, platform: str, number: int) -> str:
        platform_id = f"{platform}-user-{number}"
        key = author_key(platform, platform_id, self.secret)
        if self.session.get(Author, key) is None:
            self.session.add(
                Author(
                    author_key=key,
                    platform=platform,
                    platform_author_id=platform_id,
                    handle=f"parent_handle_{number}",
                    display_name=f"Invented Person {number}",
                )
            )
        return key

    def item(
        self,
        *,
        school_key: str,
        platform: str,
        text: str,
        created_at: dt.datetime,
        kind: str = "comment",
        on_account: bool = True,
        author_number: int | None = 1,
        is_from_school: bool = False,
        is_deleted: bool = False,
    ) -> Item:
        if self._counter == 0:  # continue after rows an earlier factory wrote
            self._counter = self.session.scalar(select(func.count()).select_from(Item)) or 0
        self._counter += 1
        account = self.account(school_key, platform) if on_account else None
        row = Item(
            platform=platform,
            external_id=f"factory-{self._counter}",
            kind=kind,
            stream=f"{platform}:factory",
            school_id=self.school(school_key).school_id,
            account_id=account.account_id if account else None,
            author_key=None if author_number is None else self.author(platform, author_number),
            is_from_school=is_from_school,
            text=text,
            language="en",
            url=f"https://example.invalid/{platform}/{self._counter}",
            created_at=created_at,
            is_deleted=is_deleted,
            raw={},
            content_hash=_hash(platform, self._counter, text),
        )
        self.session.add(row)
        self.session.flush()
        return row

    def scores(
        self, item: Item, scores: dict[str, float], *, version: str, at: dt.datetime
    ) -> None:
        for label, score in scores.items():
            self.session.add(
                Classification(
                    item_id=item.item_id,
                    label=label,
                    score=score,
                    is_above_threshold=score >= 0.5,
                    model_version=version,
                    classified_at=at,
                )
            )
        self.session.flush()

    def sla(
        self,
        item: Item,
        *,
        response_hours: float | None,
        hours: float = 24.0,
        clock: ResponseSla | None = None,
    ) -> ResponseSla:
        """The item's SLA row; with `clock`, the item joins that run (same due, answer)."""
        if clock is not None:
            row = ResponseSla(
                item_id=item.item_id, school_id=clock.school_id, account_id=clock.account_id,
                clock_item_id=clock.clock_item_id, received_at=clock.received_at,
                due_at=clock.due_at, responded_at=clock.responded_at,
                response_seconds=clock.response_seconds, status=clock.status,
            )  # fmt: skip
            self.session.add(row)
            self.session.flush()
            return row
        due = item.created_at + dt.timedelta(hours=hours)
        responded = (
            None if response_hours is None else item.created_at + dt.timedelta(hours=response_hours)
        )
        row = ResponseSla(
            item_id=item.item_id,
            school_id=item.school_id,
            account_id=item.account_id,
            clock_item_id=item.item_id,
            received_at=item.created_at,
            due_at=due,
            responded_at=responded,
            response_seconds=None if response_hours is None else response_hours * 3600.0,
            status="open" if responded is None else ("met" if responded <= due else "breached"),
        )
        self.session.add(row)
        self.session.flush()
        return row

    def alert(
        self,
        item: Item,
        *,
        alert_type: str,
        severity: str,
        created_at: dt.datetime,
        status: str = "open",
        decided_at: dt.datetime | None = None,
        score: float | None = 0.9,
        routed_to: list[str] | None = None,
    ) -> Alert:
        row = Alert(
            dedupe_key=f"{item.item_id}:{alert_type}",
            item_id=item.item_id,
            school_id=item.school_id,
            alert_type=alert_type,
            severity=severity,
            status="open",
            score=score,
            model_version=MODEL_NEW,
            routed_to=routed_to or [],
            created_at=created_at,
            updated_at=created_at,
        )
        self.session.add(row)
        self.session.flush()
        self.session.add(
            AlertEvent(
                alert_id=row.alert_id, event="created", to_status="open", to_severity=severity,
                actor="system", at=created_at,
            )
        )  # fmt: skip
        if status != "open":
            moment = decided_at or created_at + dt.timedelta(hours=3)
            self.session.add(
                AlertEvent(
                    alert_id=row.alert_id, event=status, from_status="open", to_status=status,
                    actor="reviewer@riverbend.example.org", at=moment,
                )
            )  # fmt: skip
            row.status = status
            row.updated_at = moment
        self.session.flush()
        return row


@dataclass(frozen=True)
class SeedSummary:
    items: int
    start: dt.datetime
    end: dt.datetime


def _category(rng: random.Random) -> str:
    return rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]


def _text(rng: random.Random, category: str) -> str:
    if category == "complaint":
        theme = rng.choice(list(COMPLAINT_THEMES))
        text = rng.choice(COMPLAINT_THEMES[theme])
    else:
        text = rng.choice(OTHER_TEXTS[category])
    suffix = rng.choice(["", "", " @someparent", " See https://example.invalid/x", "!"])
    return text + suffix


def _scores(rng: random.Random, category: str) -> dict[str, float]:
    out = {label: round(rng.uniform(0.0, 0.35), 4) for label in LABELS}
    if category in out:
        out[category] = round(rng.uniform(0.62, 0.99), 4)
    elif rng.random() < 0.08:  # a false positive for reviewers to dismiss
        out[rng.choice(LABELS)] = round(rng.uniform(0.5, 0.7), 4)
    return out


def seed_activity(
    session: Session,
    registry: Registry,
    *,
    secret: bytes,
    start: dt.datetime,
    end: dt.datetime,
    seed: int = 8,
    per_day: float = 3.0,
    scored: bool = True,
) -> SeedSummary:
    """Items for every school on every day in [start, end), with scores, SLA rows, alerts.

    `scored=False` leaves out scores and alerts: a warehouse the classifier has not run on.
    """
    rng = random.Random(seed)
    factory = WarehouseFactory(session, secret)
    severities = {label: rule.severity.value for label, rule in registry.alerting.labels.items()}
    count = 0
    day = start
    while day < end:
        weekend = day.weekday() >= 5
        for school in registry.schools:
            platforms = [a.platform.value for a in school.accounts]
            n = rng.randint(0, int(per_day * (0.6 if weekend else 1.4)) + 1)
            for _ in range(n):
                moment = day + dt.timedelta(minutes=rng.randint(6 * 60, 23 * 60))
                if moment >= end:
                    continue
                category = _category(rng)
                public = rng.random() < 0.15
                platform = rng.choice(["x", "reddit"]) if public else rng.choice(platforms)
                item = factory.item(
                    school_key=school.key,
                    platform=platform,
                    text=_text(rng, category),
                    created_at=moment,
                    kind="mention" if public else rng.choice(REPLY_KINDS),
                    on_account=not public,
                    author_number=(author := rng.randint(1, 60)),
                    is_deleted=rng.random() < 0.02,
                )
                count += 1
                if scored and rng.random() < 0.3:
                    factory.scores(
                        item,
                        _scores(rng, "neutral"),
                        version=MODEL_OLD,
                        at=moment + dt.timedelta(minutes=1),
                    )
                scores = _scores(rng, category)
                scored_at = moment + dt.timedelta(minutes=5)
                if scored:
                    factory.scores(item, scores, version=MODEL_NEW, at=scored_at)
                if not public:
                    late = rng.random() < 0.2
                    answered = rng.random() < 0.9
                    hours = rng.uniform(24.5, 60) if late else rng.uniform(0.2, 23.5)
                    clock = factory.sla(item, response_hours=hours if answered else None)
                    if rng.random() < 0.15:  # the same author again: one run, one clock
                        follow_up = factory.item(
                            school_key=school.key, platform=platform, text=item.text + " Anyone?",
                            created_at=moment + dt.timedelta(minutes=10), kind=item.kind,
                            author_number=author,
                        )  # fmt: skip
                        count += 1
                        factory.sla(follow_up, response_hours=None, clock=clock)
                for label, score in scores.items():
                    if score < 0.5 or not scored:
                        continue
                    recent = scored_at > end - dt.timedelta(days=2)
                    true_positive = label == category
                    status = (
                        "open"
                        if recent
                        else rng.choices(
                            ["resolved", "dismissed", "open"],
                            weights=[0.75, 0.15, 0.10] if true_positive else [0.2, 0.75, 0.05],
                        )[0]
                    )
                    raised = scored_at + dt.timedelta(minutes=1)
                    factory.alert(
                        item, alert_type=label, severity=severities[label], status=status,
                        created_at=raised, score=score,
                        decided_at=raised + dt.timedelta(hours=rng.uniform(0.2, 40)),
                    )  # fmt: skip
            if rng.random() < 0.3:  # the school's own post: never counted as inbound
                own = factory.account(school.key, platforms[0])
                assert own is not None
                factory.item(
                    school_key=school.key, platform=platforms[0], text="Non-uniform day Friday",
                    created_at=day + dt.timedelta(hours=9), kind="post", author_number=None,
                    is_from_school=True,
                )  # fmt: skip
        day += dt.timedelta(days=1)
    session.flush()
    return SeedSummary(items=count, start=start, end=end)
