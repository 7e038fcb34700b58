"""The report's figures are the warehouse's: each one is recomputed here with plain SQL.

The expected values come from hand-written SQL against the seeded warehouse (window
functions for the newest score, Python's statistics module for quantiles), not from
`trustwatch.reports.queries`, so a wrong query or formula there fails these tests.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from reports.factories import REPORT_NOW
from trustwatch.registry import Registry
from trustwatch.reports import ReportFiles, period_for


class _Metrics(HTMLParser):
    """Collects `data-metric` cells and the theme headings' counts."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.theme_counts: list[int] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if named.get("data-metric"):
            self._open = named["data-metric"]
            self.values[self._open] = ""
        if named.get("data-theme-count"):
            self.theme_counts.append(int(named["data-theme-count"] or 0))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "strong"}:
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.values[self._open] += data.strip()


@pytest.fixture(scope="module")
def shown(week_report: ReportFiles) -> _Metrics:
    parser = _Metrics()
    parser.feed(week_report.html.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def window(registry: Registry) -> dict[str, str]:
    period = period_for("week", REPORT_NOW, registry.trust.timezone)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    return {"start": period.start_at.strftime(fmt), "end": period.end_at.strftime(fmt)}


def _scalar(engine: Engine, sql: str, params: dict[str, object]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


INBOUND = """
    FROM items i JOIN schools s ON s.school_id = i.school_id
    WHERE i.is_from_school = 0 AND i.is_deleted = 0
      AND i.created_at >= :start AND i.created_at < :end
"""


def test_the_week_is_the_last_complete_monday_to_sunday(registry: Registry) -> None:
    period = period_for("week", REPORT_NOW, registry.trust.timezone)
    assert (period.start, period.end) == (dt.date(2026, 11, 23), dt.date(2026, 11, 30))


def test_volume_by_school_and_platform_equal_warehouse_counts(
    shown: _Metrics, report_engine: Engine, registry: Registry, window: dict[str, str]
) -> None:
    total = _scalar(report_engine, f"SELECT count(*) {INBOUND}", window)
    assert total > 20, "the seeded week should hold a readable number of items"
    assert shown.values["total.current"] == str(total)
    for school in registry.schools:
        expected = _scalar(
            report_engine,
            f"SELECT count(*) {INBOUND} AND s.school_key = :k",
            {**window, "k": school.key},
        )
        assert shown.values[f"volume.school.{school.key}.current"] == str(expected), school.key
    for platform in ("x", "facebook", "reddit"):
        expected = _scalar(
            report_engine,
            f"SELECT count(*) {INBOUND} AND i.platform = :p",
            {**window, "p": platform},
        )
        assert shown.values[f"volume.platform.{platform}.current"] == str(expected), platform


def test_previous_week_and_too_small_flag(
    shown: _Metrics, report_engine: Engine, registry: Registry
) -> None:
    period = period_for("week", REPORT_NOW, registry.trust.timezone)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    before = {
        "start": (period.start_at - dt.timedelta(days=7)).strftime(fmt),
        "end": period.start_at.strftime(fmt),
    }
    for school in registry.schools:
        now_n = int(shown.values[f"volume.school.{school.key}.current"])
        before_n = _scalar(
            report_engine,
            f"SELECT count(*) {INBOUND} AND s.school_key = :k",
            {**before, "k": school.key},
        )
        assert shown.values[f"volume.school.{school.key}.previous"] == str(before_n)
        flagged = f"volume.school.{school.key}.too_small" in shown.values
        assert flagged == (min(now_n, before_n) < 10)


def test_category_counts_use_each_items_newest_score(
    shown: _Metrics, report_engine: Engine, window: dict[str, str]
) -> None:
    newest = f"""
        SELECT label, count(DISTINCT item_id) FROM (
            SELECT c.item_id, c.label, c.is_above_threshold,
                   row_number() OVER (
                       PARTITION BY c.item_id, c.label ORDER BY c.classified_at DESC
                   ) AS rn
            FROM classifications c WHERE c.item_id IN (SELECT i.item_id {INBOUND})
        ) WHERE rn = 1 AND is_above_threshold = 1 GROUP BY label
    """
    with report_engine.connect() as conn:
        expected = dict(conn.execute(text(newest), window).all())
    assert set(expected) <= {"abuse", "bullying", "hate", "complaint", "safeguarding"}
    for label in ("abuse", "bullying", "hate", "complaint", "safeguarding"):
        assert shown.values[f"volume.category.{label}.current"] == str(expected.get(label, 0)), (
            label
        )


def _sla_rows(engine: Engine, window: dict[str, str], school_key: str) -> list[tuple]:
    sql = """
        SELECT r.due_at, r.responded_at, r.response_seconds
        FROM response_sla r JOIN schools s ON s.school_id = r.school_id
        WHERE r.received_at >= :start AND r.received_at < :end AND s.school_key = :k
          AND r.item_id = r.clock_item_id
    """
    with engine.connect() as conn:
        return conn.execute(text(sql), {**window, "k": school_key}).all()


def test_sla_figures_per_school_equal_recomputed_values(
    shown: _Metrics, report_engine: Engine, registry: Registry, window: dict[str, str]
) -> None:
    as_of = REPORT_NOW.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    as_of = min(as_of, window["end"])
    total_breached = 0
    for school in registry.schools:
        rows = _sla_rows(report_engine, window, school.key)
        met = sum(1 for due, done, _ in rows if done is not None and done <= due)
        breached = sum(
            1
            for due, done, _ in rows
            if (done is not None and done > due) or (done is None and due <= as_of)
        )
        total_breached += breached
        seconds = sorted(s for *_, s in rows if s is not None)
        key = f"sla.school.{school.key}"
        assert shown.values[f"{key}.received"] == str(len(rows))
        assert shown.values[f"{key}.met"] == str(met)
        assert shown.values[f"{key}.breached"] == str(breached)
        assert shown.values[f"{key}.compliance_pct"] == f"{100.0 * met / (met + breached):.1f}%"
        # nearest rank, as sql/marts/sla_weekly.sql defines it
        median = seconds[(len(seconds) + 1) // 2 - 1]
        p90 = seconds[(9 * len(seconds) + 9) // 10 - 1]
        assert shown.values[f"{key}.median_hours"] == f"{median / 3600:.1f}"
        assert shown.values[f"{key}.p90_hours"] == f"{p90 / 3600:.1f}"
    assert shown.values["sla.breaches_total"] == str(total_breached)


def test_safeguarding_is_counts_only(
    shown: _Metrics,
    week_report: ReportFiles,
    report_engine: Engine,
    registry: Registry,
    window: dict[str, str],
) -> None:
    html = week_report.html.read_text(encoding="utf-8")
    with report_engine.connect() as conn:
        texts = (
            conn.execute(
                text(
                    f"""SELECT DISTINCT i.text {INBOUND} AND i.item_id IN (
                        SELECT item_id FROM classifications
                        WHERE label = 'safeguarding' AND is_above_threshold = 1)"""
                ),
                window,
            )
            .scalars()
            .all()
        )
    assert texts, "the seeded week should contain safeguarding items"
    for body in texts:
        assert body.split(" @")[0].split(" See ")[0][:40] not in html
    with report_engine.connect() as conn:
        alerts = dict(
            conn.execute(
                text(
                    """SELECT s.school_key, count(*)
                       FROM alerts a JOIN schools s ON s.school_id = a.school_id
                       WHERE a.alert_type = 'safeguarding'
                         AND a.created_at >= :start AND a.created_at < :end
                       GROUP BY s.school_key"""
                ),
                window,
            ).all()
        )
    for school in registry.schools:
        assert shown.values[f"safeguarding.{school.key}.alerts"] == str(alerts.get(school.key, 0))


def test_complaint_themes_cover_every_complaint_and_hide_handles(
    shown: _Metrics, week_report: ReportFiles
) -> None:
    html = week_report.html.read_text(encoding="utf-8")
    complaints = int(shown.values["volume.category.complaint.current"])
    assert shown.theme_counts, "complaints should be grouped into themes"
    assert sum(shown.theme_counts) <= complaints
    assert "parent_handle_" not in html and "Invented Person" not in html
    assert "@someparent" not in html and "https://example.invalid" not in html
    assert "author-" not in html and "<blockquote" not in html  # no excerpts by default


def _pdf_page_objects(pdf: bytes) -> int:
    """Count /Type /Page objects, looking inside compressed object streams too."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:
            chunks.append(zlib.decompressobj().decompress(pdf[match.end() : end]))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", c)) for c in chunks)


def test_pdf_has_the_rendered_pages_and_embedded_charts(week_report: ReportFiles) -> None:
    pdf = Path(week_report.pdf).read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert 3 <= week_report.pages <= 8
    assert _pdf_page_objects(pdf) == week_report.pages
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) >= 4, "the four charts as images"
    html = week_report.html.read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 4
