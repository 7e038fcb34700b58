"""Turn a `ReportContent` into HTML and PDF files.

One template serves both formats: WeasyPrint lays the same HTML out on A4 pages, and the
charts are data URIs, so neither file depends on anything beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from trustwatch.reports.content import ReportContent
from trustwatch.reports.metrics import VolumeRow


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path
    pages: int


def _environment(timezone: str) -> Environment:
    zone = ZoneInfo(timezone)
    env = Environment(
        loader=PackageLoader("trustwatch.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        day=lambda d: f"{d:%a %d %b %Y}",
        lastday=lambda d: f"{d - dt.timedelta(days=1):%a %d %b %Y}",
        stamp=lambda t: f"{t.astimezone(zone):%d %b %Y %H:%M}",
        pct=lambda v: "n/a" if v is None else f"{v:.1f}%",
        hours=lambda v: "n/a" if v is None else f"{v:.1f}",
        signed=lambda v: f"{v:+d}",
        signedpct=lambda v: f"{v:+.0f}%",
        change=_headline_change,
    )
    return env


def _headline_change(row: VolumeRow) -> str:
    if row.too_small:
        return f"{row.change:+d} on the previous period (too small to read a trend)"
    if row.change_pct is None:
        return f"{row.change:+d} on the previous period"
    return f"{row.change:+d} ({row.change_pct:+.0f}%) on the previous period"


def render_html(content: ReportContent) -> str:
    template = _environment(content.period.timezone).get_template("report.html.j2")
    return template.render(c=content)


def file_stem(content: ReportContent) -> str:
    scope = content.school_key or "trust"
    return f"trustwatch-{scope}-{content.period.slug}"


def write_report(content: ReportContent, out_dir: Path) -> ReportFiles:
    """Write `<stem>.html` and `<stem>.pdf` into `out_dir`; return their paths and page count."""
    from weasyprint import HTML

    out_dir.mkdir(parents=True, exist_ok=True)
    html = render_html(content)
    stem = file_stem(content)
    html_path = out_dir / f"{stem}.html"
    pdf_path = out_dir / f"{stem}.pdf"
    html_path.write_text(html, encoding="utf-8")
    document = HTML(string=html, base_url=str(out_dir)).render()
    document.write_pdf(pdf_path)
    return ReportFiles(html=html_path, pdf=pdf_path, pages=len(document.pages))
