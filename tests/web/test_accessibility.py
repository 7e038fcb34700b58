"""WCAG 2.2 AA basics the app can hold by construction, and lists that say they are cut."""

from __future__ import annotations

import datetime as dt
import math
import re
from types import SimpleNamespace

from sqlalchemy import Engine

from trustwatch.db.engine import session_scope
from trustwatch.web.main import STATIC_DIR
from trustwatch.web.services import charts
from trustwatch.web.services.mentions import PAGE_SIZE

from .conftest import Casework, sign_in
from .factories import Post, add_clock, add_thread

_BADGE = re.compile(
    r"\.badge\.([\w-]+)\s*\{\s*background:\s*#([0-9a-f]{6});\s*color:\s*#([0-9a-f]{6});", re.I
)


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_matches_wcag_reference_values():
    assert round(contrast("000000", "ffffff"), 1) == 21.0
    assert round(contrast("767676", "ffffff"), 2) == 4.54  # the classic AA grey


def test_every_badge_meets_aa_contrast():
    css = (STATIC_DIR / "app.css").read_text()
    badges = _BADGE.findall(css)
    names = {name for name, _, _ in badges}
    assert {"sev-critical", "sev-high", "sev-medium", "sev-low"} <= names
    assert {"sla-open", "sla-at_risk", "sla-open_breached", "sla-met", "sla-breached"} <= names
    weak = [(n, round(contrast(bg, fg), 2)) for n, bg, fg in badges if contrast(bg, fg) < 4.5]
    assert not weak


def _pages_for(role: str, case: Casework) -> list[str]:
    return {
        "lead": ["/alerts", f"/alerts/{case.oak_alert_id}", "/mentions", "/dashboards"],
        "admin": ["/admin/users", "/admin/audit", "/admin/schools"],
        "tom": ["/inbox"],
        "data": ["/dashboards", "/dashboards/checks"],
    }[role]


def test_pages_have_a_skip_link_and_scoped_headers(client, sqlite_engine, casework, people):
    for role in ("lead", "admin", "tom", "data"):
        sign_in(client, sqlite_engine, people[role])
        for path in _pages_for(role, casework):
            html = client.get(path).text
            assert '<a class="skip-link" href="#main">' in html, path
            assert '<main id="main"' in html, path
            headers = re.findall(r"<th\b[^>]*>", html)
            assert headers, path
            assert all('scope="' in th for th in headers), (path, headers)


def test_the_24_hour_list_says_it_is_cut_and_pages(client, sqlite_engine, people):
    now = dt.datetime.now(dt.UTC)
    with session_scope(sqlite_engine) as session:
        items = add_thread(
            session,
            school_key="harbourside",
            start=now - dt.timedelta(hours=30),
            posts=[Post("root", author_id="s", from_school=True)]
            + [Post(f"q{i}", author_id=f"p{i}", minutes=1 + i % 50) for i in range(PAGE_SIZE + 5)],
        )
        for item in items[1:]:
            add_clock(session, item)
    sign_in(client, sqlite_engine, people["lead"])
    first = client.get("/mentions").text
    total = PAGE_SIZE + 5
    assert f"Showing 1–{PAGE_SIZE} of {total}" in first
    assert "5 more on the other pages" in first
    assert 'rel="next"' in first
    second = client.get("/mentions?page=2").text
    assert f"Showing {PAGE_SIZE + 1}–{total} of {total}" in second
    # Statuses read as words, not as stored values.
    assert "open_breached" not in re.sub(r'class="[^"]*"', "", first)
    assert ">Overdue<" in first


def test_compliance_lines_break_across_weeks_with_no_clock(sqlite_engine: Engine):
    weeks = [dt.date(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(4)]
    board = SimpleNamespace(
        volume=SimpleNamespace(weeks=weeks),
        sla_weeks=[
            SimpleNamespace(school="Oakfield", week=weeks[0], compliance=0.5),
            SimpleNamespace(school="Oakfield", week=weeks[3], compliance=1.0),
        ],
    )
    fig = charts.compliance_chart(board)  # type: ignore[arg-type]
    (line,) = fig.axes[0].get_lines()
    ys = list(line.get_ydata())
    assert ys[0] == 50 and ys[3] == 100
    assert math.isnan(ys[1]) and math.isnan(ys[2])  # a gap, not a slope from 50 to 100
