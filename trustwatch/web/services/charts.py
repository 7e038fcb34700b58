"""Dashboard charts as SVG, drawn on the server with matplotlib: no JavaScript, no CDN.

The Figure API (not pyplot) keeps no global state; a lock still serialises drawing because
matplotlib's text layout caches are not documented as thread-safe.
"""

from __future__ import annotations

import io
import math
import threading

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from trustwatch.web.services.dashboards import AGE_BUCKETS, Dashboard

CHARTS = ("volume", "compliance", "response_times", "open_alerts")
SEVERITY_COLOURS = {"critical": "#8b0000", "high": "#d9480f", "medium": "#f2a900", "low": "#6c8ebf"}
_LOCK = threading.Lock()


def _svg(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # svg.hashsalt keeps ids stable so the same data gives the same bytes.
    with matplotlib.rc_context({"svg.hashsalt": "trustwatch", "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def _empty(ax, message: str) -> None:  # type: ignore[no-untyped-def]
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555")
    ax.set_xticks([])
    ax.set_yticks([])


def volume_chart(board: Dashboard) -> Figure:
    fig = Figure(figsize=(8, 3.4))
    ax = fig.add_subplot()
    weeks = [w.strftime("%d %b") for w in board.volume.weeks]
    if not board.volume.counts:
        _empty(ax, "No items in this period")
    for key, counts in board.volume.counts.items():
        ax.plot(weeks, counts, marker="o", label=key)
    if board.volume.counts:
        ax.legend(fontsize=8, loc="upper left", frameon=False)
        ax.set_ylabel("items")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.set_title(f"Items per week by {board.filters.dimension}", fontsize=10)
    return fig


def gapped(length: int, points: dict[int, float]) -> list[float]:
    """One value per week, NaN where a week has none: matplotlib breaks the line there
    instead of drawing a slope across weeks with no decided clock."""
    return [points.get(i, math.nan) for i in range(length)]


def compliance_chart(board: Dashboard) -> Figure:
    fig = Figure(figsize=(8, 3.4))
    ax = fig.add_subplot()
    schools = sorted({row.school for row in board.sla_weeks})
    labels = [w.strftime("%d %b") for w in board.volume.weeks]
    index = {w: i for i, w in enumerate(board.volume.weeks)}
    plotted = False
    for school in schools:
        points = {
            index[row.week]: 100 * row.compliance
            for row in board.sla_weeks
            if row.school == school and row.compliance is not None and row.week in index
        }
        if points:
            ax.plot(range(len(labels)), gapped(len(labels), points), marker="o", label=school)
            plotted = True
    if plotted:
        ax.set_xticks(range(len(labels)), labels, rotation=45, fontsize=8)
        ax.set_ylim(0, 105)
        ax.set_ylabel("% answered within the rule")
        ax.legend(fontsize=8, loc="lower left", frameon=False)
    else:
        _empty(ax, "No decided response clocks in this period")
    ax.set_title("24-hour rule compliance per week", fontsize=10)
    return fig


def response_time_chart(board: Dashboard) -> Figure:
    fig = Figure(figsize=(8, 3.4))
    ax = fig.add_subplot()
    rows = [s for s in board.sla_schools if s.median_hours is not None]
    if rows:
        names = [s.school for s in rows]
        positions = range(len(rows))
        ax.barh([p + 0.2 for p in positions], [s.median_hours for s in rows], 0.4, label="median")
        ax.barh(
            [p - 0.2 for p in positions], [s.p90_hours or 0 for s in rows], 0.4, label="90th pct"
        )
        ax.axvline(24, color="#8b0000", linestyle="--", linewidth=1, label="24 h")
        ax.set_yticks(list(positions), names, fontsize=8)
        ax.set_xlabel("hours to respond")
        ax.legend(fontsize=8, frameon=False)
    else:
        _empty(ax, "No answered items in this period")
    ax.set_title("Response times", fontsize=10)
    return fig


def open_alerts_chart(board: Dashboard) -> Figure:
    fig = Figure(figsize=(8, 3.4))
    ax = fig.add_subplot()
    buckets = [name for name, _ in AGE_BUCKETS]
    bottoms = [0] * len(buckets)
    total = 0
    for severity, colour in SEVERITY_COLOURS.items():
        values = [board.open_alerts[b][severity] for b in buckets]
        total += sum(values)
        ax.bar(buckets, values, bottom=bottoms, color=colour, label=severity)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    if total:
        ax.legend(fontsize=8, frameon=False)
        ax.set_ylabel("open alerts")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _empty(ax, "No open alerts")
    ax.set_title("Open alerts by age", fontsize=10)
    return fig


_DRAW = {
    "volume": volume_chart,
    "compliance": compliance_chart,
    "response_times": response_time_chart,
    "open_alerts": open_alerts_chart,
}


def render_svg(name: str, board: Dashboard) -> bytes:
    with _LOCK:
        return _svg(_DRAW[name](board))
