"""Report charts as PNG data URIs: the same image then serves the HTML and the PDF.

Figures are built with matplotlib's object API (`Figure`, rendered by Agg), not pyplot:
no global backend is switched (a notebook importing this keeps its inline plots), no
display is needed (Airflow workers have none), and nothing piles up in pyplot's registry
of open figures in a long-running worker.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from trustwatch.reports.metrics import SlaRow, VolumeRow

_NOW, _BEFORE, _BAD = "#1f5f8b", "#a9c4d9", "#b8412c"
_SIZE = (7.0, 2.8)


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=_SIZE)
    return figure, figure.subplots()


def _data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def compare_bars(rows: list[VolumeRow], title: str, now_label: str, before_label: str) -> str:
    """Grouped bars: this period against the previous one, per row."""
    figure, axes = _figure()
    x = np.arange(len(rows))
    axes.bar(x - 0.2, [r.previous for r in rows], 0.4, label=before_label, color=_BEFORE)
    axes.bar(x + 0.2, [r.current for r in rows], 0.4, label=now_label, color=_NOW)
    axes.set_xticks(x, [r.label for r in rows], fontsize=8)
    axes.set_ylabel("items")
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _data_uri(figure)


def daily_volume(
    created_at: pd.Series, start: pd.Timestamp, end: pd.Timestamp, timezone: str
) -> str:
    """Items per local day across the period, zero days included."""
    days = pd.date_range(start, end, freq="D", inclusive="left")
    local_days = created_at.dt.tz_convert(timezone).dt.normalize().dt.tz_localize(None)
    counts = local_days.value_counts().reindex(days, fill_value=0)
    figure, axes = _figure()
    axes.plot(counts.index, counts.to_numpy(), color=_NOW, marker="o", markersize=2.5)
    axes.set_ylabel("items per day")
    axes.set_title("Inbound items per day", fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    figure.autofmt_xdate()
    return _data_uri(figure)


def compliance_bars(rows: list[SlaRow]) -> str:
    """Compliance per school against the 100% the policy asks for."""
    figure, axes = _figure()
    values = [r.compliance_pct if r.compliance_pct is not None else 0.0 for r in rows]
    colours = [_NOW if v >= 90 else _BAD for v in values]
    axes.barh([r.label for r in rows], values, color=colours)
    axes.set_xlim(0, 100)
    axes.set_xlabel("% answered within the response window")
    axes.set_title("24-hour rule compliance", fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    return _data_uri(figure)
