"""Everything one report shows, gathered from the warehouse into one value.

The templates only lay this out; every figure in it comes from `queries` through
`metrics` (or `themes`), so what a report says is what the warehouse holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from trustwatch.display import platform_name
from trustwatch.registry import Registry
from trustwatch.reports import charts, metrics, queries
from trustwatch.reports.periods import Period, previous_period
from trustwatch.reports.themes import Theme, complaint_themes

MAX_BREACHES_LISTED = 50


@dataclass(frozen=True)
class Breach:
    item_id: int
    school_key: str
    account: str
    received_at: dt.datetime
    due_at: dt.datetime
    responded_at: dt.datetime | None
    hours_late: float


@dataclass
class ReportContent:
    trust_name: str
    scope: str
    school_key: str | None
    period: Period
    previous: Period
    generated_at: dt.datetime
    as_of: dt.datetime
    total: metrics.VolumeRow
    by_school: list[metrics.VolumeRow]
    by_platform: list[metrics.VolumeRow]
    by_category: list[metrics.VolumeRow]
    sla_schools: list[metrics.SlaRow]
    sla_accounts: list[metrics.SlaRow]
    sla_overall: metrics.SlaRow
    breaches: list[Breach]
    breaches_total: int
    themes: list[Theme]
    complaints_clustered: int
    excerpts: bool  # registry notifications.report_excerpts: themes quote complaints
    safeguarding: list[metrics.SafeguardingRow]
    charts: dict[str, str] = field(default_factory=dict)
    min_trend_count: int = metrics.MIN_TREND_COUNT


def _school_names(engine: Engine, school_key: str | None) -> dict[str, str]:
    with engine.connect() as conn:
        frame = queries.schools(conn)
    if school_key is not None:
        frame = frame[frame["school_key"] == school_key]
    return dict(zip(frame["school_key"], frame["name"], strict=True))


def _breach_list(rows: pd.DataFrame, as_of: dt.datetime) -> list[Breach]:
    late = metrics.breaches(rows, as_of)
    return [
        Breach(
            item_id=int(r.item_id),
            school_key=str(r.school_key),
            account=f"{r.platform} @{r.handle}",
            received_at=r.received_at.to_pydatetime(),
            due_at=r.due_at.to_pydatetime(),
            responded_at=None if pd.isna(r.responded_at) else r.responded_at.to_pydatetime(),
            hours_late=float(r.hours_late),
        )
        for r in late.itertuples()
    ]


def gather(
    engine: Engine,
    registry: Registry,
    period: Period,
    *,
    school_key: str | None,
    now: dt.datetime,
    embed: Callable[[list[str]], np.ndarray],
) -> ReportContent:
    """Read the warehouse for `period` (and the one before) and compute every figure."""
    before = previous_period(period)
    as_of = min(period.end_at, now)
    schools = _school_names(engine, school_key)
    with engine.connect() as conn:
        now_items = queries.items(conn, period.start_at, period.end_at, school_key)
        old_items = queries.items(conn, before.start_at, before.end_at, school_key)
        now_flags = queries.flagged(conn, period.start_at, period.end_at, school_key)
        old_flags = queries.flagged(conn, before.start_at, before.end_at, school_key)
        sla_rows = queries.sla(conn, period.start_at, period.end_at, school_key)
        complaints = queries.complaint_texts(conn, period.start_at, period.end_at, school_key)
        alert_rows = queries.alerts(conn, period.start_at, period.end_at, school_key)
    labels = {label: label.replace("_", " ").capitalize() for label in registry.alerting.labels}
    platforms = {
        p: platform_name(p) for p in sorted(set(now_items["platform"]) | set(old_items["platform"]))
    }
    stop_words = {w for school in registry.schools for w in school.name.split()} | set(schools)
    content = ReportContent(
        trust_name=registry.trust.name,
        scope=schools[school_key] if school_key else "All schools",
        school_key=school_key,
        period=period,
        previous=before,
        generated_at=now,
        as_of=as_of,
        total=metrics.total_row(now_items, old_items),
        by_school=metrics.volume_rows(now_items, old_items, "school_key", schools),
        by_platform=metrics.volume_rows(now_items, old_items, "platform", platforms),
        by_category=metrics.volume_rows(now_flags, old_flags, "label", labels),
        sla_schools=metrics.sla_by_school(sla_rows, schools, as_of),
        sla_accounts=metrics.sla_by_account(sla_rows, as_of),
        sla_overall=metrics.sla_row("all", "All accounts", sla_rows, as_of),
        breaches=_breach_list(sla_rows, as_of)[:MAX_BREACHES_LISTED],
        breaches_total=int((metrics.classify_sla(sla_rows, as_of) == "breached").sum()),
        themes=complaint_themes(
            complaints, embed, stop_words, examples=registry.notifications.report_excerpts
        ),
        complaints_clustered=len(complaints),
        excerpts=registry.notifications.report_excerpts,
        safeguarding=metrics.safeguarding_rows(now_flags, alert_rows, schools),
    )
    content.charts = _charts(content, now_items)
    return content


def _charts(content: ReportContent, now_items: pd.DataFrame) -> dict[str, str]:
    period = content.period
    start = pd.Timestamp(period.start)
    end = pd.Timestamp(period.end)
    now_label, before_label = "this period", "previous period"
    out = {
        "daily": charts.daily_volume(now_items["created_at"], start, end, period.timezone),
        "schools": charts.compare_bars(
            content.by_school, "Items by school", now_label, before_label
        ),
        "categories": charts.compare_bars(
            content.by_category, "Items by category", now_label, before_label
        ),
    }
    if content.sla_schools:
        out["compliance"] = charts.compliance_bars(content.sla_schools)
    return out
