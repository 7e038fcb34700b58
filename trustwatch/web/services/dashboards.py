"""Aggregates for the data staff's dashboards: volumes and alerts from the base tables,
the 24-hour rule from the `responses` mart (one row per clock, `sql/marts/responses.sql`).

Only counts, rates, durations and author pseudonyms leave this module: no item text, no
handle, no profile link. Weeks are local (the trust's time zone), starting on Monday.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, Integer, Select, String, column, func, select, table
from sqlalchemy.orm import Session

from trustwatch.db.models import (
    Account,
    Alert,
    Classification,
    Item,
    LabelVerdict,
    School,
    UtcDateTime,
    WebUser,
)
from trustwatch.web.services.alerts import ACTIVE_STATUSES, SEVERITY_ORDER
from trustwatch.web.services.listing import filter_date
from trustwatch.web.services.scope import school_clause

DIMENSIONS = ("school", "platform", "category")
DEFAULT_WEEKS = 12
MAX_DAYS = 3 * 366
AGE_BUCKETS: tuple[tuple[str, dt.timedelta], ...] = (
    ("under 4 h", dt.timedelta(hours=4)),
    ("4-24 h", dt.timedelta(hours=24)),
    ("1-3 days", dt.timedelta(days=3)),
    ("3-7 days", dt.timedelta(days=7)),
    ("over 7 days", dt.timedelta.max),
)
REPEAT_AUTHOR_MIN = 2
REPEAT_AUTHOR_LIMIT = 20
PSEUDONYM_CHARS = 10


@dataclass(frozen=True)
class DashboardFilters:
    date_from: dt.date
    date_to: dt.date
    school: str = ""
    platform: str = ""
    dimension: str = "school"

    @classmethod
    def parse(
        cls,
        *,
        today: dt.date,
        date_from: str = "",
        date_to: str = "",
        school: str = "",
        platform: str = "",
        dimension: str = "school",
    ) -> DashboardFilters:
        """Lenient: a bad or missing date falls back to the last twelve weeks."""
        end = filter_date(date_to) or today
        default_start = end - dt.timedelta(weeks=DEFAULT_WEEKS) + dt.timedelta(days=1)
        start = filter_date(date_from) or default_start
        if start > end:
            start, end = end, start
        start = max(start, end - dt.timedelta(days=MAX_DAYS))
        return cls(
            date_from=start,
            date_to=end,
            school=school,
            platform=platform,
            dimension=dimension if dimension in DIMENSIONS else "school",
        )

    def query(self) -> dict[str, str]:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "school": self.school,
            "platform": self.platform,
            "dimension": self.dimension,
        }


@dataclass(frozen=True)
class Window:
    """The filter's local dates as UTC instants, and the Monday of every week inside."""

    start: dt.datetime
    end: dt.datetime
    zone: ZoneInfo
    weeks: list[dt.date]

    @classmethod
    def of(cls, filters: DashboardFilters, zone: ZoneInfo) -> Window:
        start = dt.datetime.combine(filters.date_from, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        first = filters.date_from - dt.timedelta(days=filters.date_from.weekday())
        weeks = []
        week = first
        while week <= filters.date_to:
            weeks.append(week)
            week += dt.timedelta(days=7)
        return cls(start.astimezone(dt.UTC), end.astimezone(dt.UTC), zone, weeks)

    def week_of(self, instant: dt.datetime) -> dt.date:
        day = instant.astimezone(self.zone).date()
        return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Series:
    """Counts per week for each key of one dimension (a school, a platform or a label)."""

    weeks: list[dt.date]
    counts: dict[str, list[int]]

    def total(self, key: str) -> int:
        return sum(self.counts[key])


@dataclass(frozen=True)
class SlaRow:
    week: dt.date
    school: str
    received: int
    met: int
    late: int
    overdue: int
    waiting: int
    median_hours: float | None
    p90_hours: float | None

    @property
    def compliance(self) -> float | None:
        """Met on time as a share of clocks whose outcome is known (answered or overdue)."""
        decided = self.met + self.late + self.overdue
        return self.met / decided if decided else None


@dataclass(frozen=True)
class SchoolSla:
    school: str
    received: int
    compliance: float | None
    median_hours: float | None
    p90_hours: float | None
    open_breaches: int


@dataclass(frozen=True)
class RepeatAuthor:
    pseudonym: str
    flagged_items: int
    schools: int
    last_at: dt.datetime


@dataclass(frozen=True)
class PrecisionRow:
    """Per label and week: flagged labels the leads judged right or wrong (counts only)."""

    week: dt.date
    label: str
    confirmed: int
    dismissed: int

    @property
    def precision(self) -> float | None:
        judged = self.confirmed + self.dismissed
        return self.confirmed / judged if judged else None


@dataclass
class Dashboard:
    filters: DashboardFilters
    volume: Series
    sla_weeks: list[SlaRow]
    sla_schools: list[SchoolSla]
    open_alerts: dict[str, dict[str, int]]
    repeat_authors: list[RepeatAuthor] = field(default_factory=list)
    repeat_authors_truncated: bool = False
    live_precision: list[PrecisionRow] = field(default_factory=list)

    @property
    def total_items(self) -> int:
        return sum(self.volume.total(k) for k in self.volume.counts)


def _item_filters(stmt: Select, user: WebUser, filters: DashboardFilters, win: Window) -> Select:
    stmt = stmt.where(
        school_clause(user, Item.school_id),
        Item.created_at >= win.start,
        Item.created_at < win.end,
        Item.is_from_school.is_(False),
    )
    if filters.school:
        stmt = stmt.where(School.school_key == filters.school)
    if filters.platform:
        stmt = stmt.where(Item.platform == filters.platform)
    return stmt


def volume(session: Session, *, user: WebUser, filters: DashboardFilters, win: Window) -> Series:
    """Items received per week by school, platform or classifier category."""
    if filters.dimension == "category":
        stmt = (
            select(Item.created_at, Classification.label)
            .join(Classification, Classification.item_id == Item.item_id)
            .outerjoin(School, School.school_id == Item.school_id)
            .where(Classification.is_above_threshold.is_(True))
            .distinct()
        )
        stmt = stmt.add_columns(Item.item_id)
    elif filters.dimension == "platform":
        stmt = select(Item.created_at, Item.platform).outerjoin(
            School, School.school_id == Item.school_id
        )
    else:
        stmt = select(Item.created_at, func.coalesce(School.name, "no school")).outerjoin(
            School, School.school_id == Item.school_id
        )
    rows = session.execute(_item_filters(stmt, user, filters, win)).all()
    counter: Counter[tuple[str, dt.date]] = Counter()
    for row in rows:
        counter[(row[1], win.week_of(row[0]))] += 1
    keys = sorted({key for key, _ in counter})
    return Series(
        weeks=win.weeks,
        counts={k: [counter[(k, w)] for w in win.weeks] for k in keys},
    )


def nearest_rank(values: list[float], percent: int) -> float | None:
    """Nearest-rank percentile as the `sla_weekly` view computes it (rank = p(n+1)/100,
    rounded down), so the dashboard and the SQL marts agree to the second."""
    if not values:
        return None
    ordered = sorted(values)
    rank = percent * (len(ordered) + 1) // 100
    return ordered[min(max(rank, 1), len(ordered)) - 1]


# The per-clock mart from `sql/marts/responses.sql` (created by `trustwatch init`): one row
# per response clock, a run of messages that one answer closes, with the SLA job's status.
RESPONSES = table(
    "responses",
    column("school_id", Integer()),
    column("platform", String()),
    column("sla_status", String()),
    column("response_seconds", Float()),
    column("week_start", Date()),
    column("received_at", UtcDateTime()),
)
_OUTCOME = {"met": "met", "breached": "late", "open_breached": "overdue"}


def _clocks(session: Session, user: WebUser, filters: DashboardFilters, win: Window) -> list:
    stmt = (
        select(
            RESPONSES.c.received_at,
            RESPONSES.c.week_start,
            RESPONSES.c.sla_status,
            RESPONSES.c.response_seconds,
            School.name,
        )
        .join(School, School.school_id == RESPONSES.c.school_id)
        .where(
            school_clause(user, RESPONSES.c.school_id),
            RESPONSES.c.received_at >= win.start,
            RESPONSES.c.received_at < win.end,
        )
    )
    if filters.school:
        stmt = stmt.where(School.school_key == filters.school)
    if filters.platform:
        stmt = stmt.where(RESPONSES.c.platform == filters.platform)
    return list(session.execute(stmt).all())


def _summarise(rows: list) -> dict[str, object]:
    """Counts by outcome as the SLA job last judged them, and response-time percentiles."""
    outcomes: Counter[str] = Counter()
    hours: list[float] = []
    for _received, _week, status, seconds, _school in rows:
        outcomes[_OUTCOME.get(status, "waiting")] += 1
        if seconds is not None:
            hours.append(seconds / 3600)
    return {
        "received": len(rows),
        "met": outcomes["met"],
        "late": outcomes["late"],
        "overdue": outcomes["overdue"],
        "waiting": outcomes["waiting"],
        "median_hours": nearest_rank(hours, 50),
        "p90_hours": nearest_rank(hours, 90),
    }


def sla(
    session: Session, *, user: WebUser, filters: DashboardFilters, win: Window
) -> tuple[list[SlaRow], list[SchoolSla]]:
    """The 24-hour rule per school and week, and per school over the whole window."""
    rows = _clocks(session, user, filters, win)
    by_week: dict[tuple[dt.date, str], list] = defaultdict(list)
    by_school: dict[str, list] = defaultdict(list)
    for row in rows:
        week = row[1] or win.week_of(row[0])
        by_week[(week, row[4])].append(row)
        by_school[row[4]].append(row)
    weekly = [
        SlaRow(week=week, school=school, **_summarise(group))  # type: ignore[arg-type]
        for (week, school), group in sorted(by_week.items())
    ]
    schools = []
    for school, group in sorted(by_school.items()):
        summary = SlaRow(week=win.weeks[0], school=school, **_summarise(group))  # type: ignore[arg-type]
        schools.append(
            SchoolSla(
                school=school,
                received=summary.received,
                compliance=summary.compliance,
                median_hours=summary.median_hours,
                p90_hours=summary.p90_hours,
                open_breaches=summary.overdue,
            )
        )
    return weekly, schools


def age_bucket(age: dt.timedelta) -> str:
    for name, limit in AGE_BUCKETS:
        if age < limit:
            return name
    return AGE_BUCKETS[-1][0]


def open_alerts(
    session: Session, *, user: WebUser, filters: DashboardFilters, now: dt.datetime
) -> dict[str, dict[str, int]]:
    """Alerts still open or acknowledged now, by age and severity (whatever the date filter)."""
    stmt = (
        select(Alert.created_at, Alert.severity)
        .join(Item, Item.item_id == Alert.item_id)
        .outerjoin(School, School.school_id == Alert.school_id)
        .where(school_clause(user, Alert.school_id), Alert.status.in_(ACTIVE_STATUSES))
    )
    if filters.school:
        stmt = stmt.where(School.school_key == filters.school)
    if filters.platform:
        stmt = stmt.where(Item.platform == filters.platform)
    table = {name: dict.fromkeys(SEVERITY_ORDER, 0) for name, _ in AGE_BUCKETS}
    for created_at, severity in session.execute(stmt).all():
        if severity in table[AGE_BUCKETS[0][0]]:
            table[age_bucket(now - created_at)][severity] += 1
    return table


def repeat_authors(
    session: Session, *, user: WebUser, filters: DashboardFilters, win: Window
) -> list[RepeatAuthor]:
    """Pseudonymous authors with several flagged items: patterns without identities."""
    flagged = (
        select(Classification.item_id)
        .where(Classification.is_above_threshold.is_(True))
        .distinct()
        .scalar_subquery()
    )
    stmt = (
        select(
            Item.author_key,
            func.count(Item.item_id),
            func.count(func.distinct(Item.school_id)),
            func.max(Item.created_at),
        )
        .outerjoin(School, School.school_id == Item.school_id)
        .where(Item.author_key.is_not(None), Item.item_id.in_(flagged))
        .group_by(Item.author_key)
        .having(func.count(Item.item_id) >= REPEAT_AUTHOR_MIN)
        .order_by(func.count(Item.item_id).desc(), Item.author_key)
        .limit(REPEAT_AUTHOR_LIMIT + 1)  # one more, to know whether the list is cut
    )
    rows = session.execute(_item_filters(stmt, user, filters, win)).all()
    return [
        RepeatAuthor(
            pseudonym=key[:PSEUDONYM_CHARS],
            flagged_items=items,
            schools=schools,
            last_at=_as_utc(last),
        )
        for key, items, schools, last in rows
    ]


def live_precision(
    session: Session, *, user: WebUser, filters: DashboardFilters, win: Window
) -> list[PrecisionRow]:
    """How many flagged labels leads confirmed vs dismissed, per label and week of decision.

    The model's live precision on this trust's own posts. "Missed" verdicts are not
    flagged labels and are not counted here; "should be" counts as dismissed.
    """
    stmt = (
        select(LabelVerdict.decided_at, LabelVerdict.label, LabelVerdict.verdict)
        .join(Item, Item.item_id == LabelVerdict.item_id)
        .outerjoin(School, School.school_id == Item.school_id)
        .where(
            school_clause(user, Item.school_id),
            LabelVerdict.decided_at >= win.start,
            LabelVerdict.decided_at < win.end,
            LabelVerdict.verdict != "missed",
        )
    )
    if filters.school:
        stmt = stmt.where(School.school_key == filters.school)
    if filters.platform:
        stmt = stmt.where(Item.platform == filters.platform)
    counts: Counter[tuple[dt.date, str, bool]] = Counter()
    for decided_at, label, verdict in session.execute(stmt).all():
        counts[(win.week_of(decided_at), label, verdict == "confirmed")] += 1
    keys = sorted({(week, label) for week, label, _ in counts})
    return [
        PrecisionRow(week, label, counts[(week, label, True)], counts[(week, label, False)])
        for week, label in keys
    ]


def _as_utc(value: dt.datetime | str) -> dt.datetime:
    """max() over a UtcDateTime column loses the type on SQLite: restore an aware value."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def build(
    session: Session, *, user: WebUser, filters: DashboardFilters, zone: ZoneInfo, now: dt.datetime
) -> Dashboard:
    win = Window.of(filters, zone)
    weekly, schools = sla(session, user=user, filters=filters, win=win)
    repeat = repeat_authors(session, user=user, filters=filters, win=win)
    return Dashboard(
        filters=filters,
        volume=volume(session, user=user, filters=filters, win=win),
        sla_weeks=weekly,
        sla_schools=schools,
        open_alerts=open_alerts(session, user=user, filters=filters, now=now),
        repeat_authors=repeat[:REPEAT_AUTHOR_LIMIT],
        repeat_authors_truncated=len(repeat) > REPEAT_AUTHOR_LIMIT,
        live_precision=live_precision(session, user=user, filters=filters, win=win),
    )


def platforms(session: Session) -> list[str]:
    return sorted(session.scalars(select(Account.platform).distinct()))
