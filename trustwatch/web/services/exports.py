"""CSV downloads of the dashboard tables: the same aggregates, nothing more detailed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from trustwatch.spreadsheet import safe_cell
from trustwatch.web.services.dashboards import AGE_BUCKETS, Dashboard

DATASETS = ("volume", "sla", "open_alerts", "repeat_authors")


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _rows(dataset: str, board: Dashboard) -> tuple[Sequence[str], Iterable[Sequence[object]]]:
    if dataset == "volume":
        return (
            ["week_start", board.filters.dimension, "items"],
            (
                (week.isoformat(), key, count)
                for key, counts in board.volume.counts.items()
                for week, count in zip(board.volume.weeks, counts, strict=True)
            ),
        )
    if dataset == "sla":
        return (
            [
                "week_start",
                "school",
                "received",
                "met",
                "late",
                "overdue",
                "waiting",
                "compliance",
                "median_hours",
                "p90_hours",
            ],
            (
                (
                    r.week.isoformat(),
                    r.school,
                    r.received,
                    r.met,
                    r.late,
                    r.overdue,
                    r.waiting,
                    "" if r.compliance is None else f"{r.compliance:.4f}",
                    _hours(r.median_hours),
                    _hours(r.p90_hours),
                )
                for r in board.sla_weeks
            ),
        )
    if dataset == "open_alerts":
        return (
            ["age", "severity", "open_alerts"],
            (
                (bucket, severity, count)
                for bucket, _ in AGE_BUCKETS
                for severity, count in board.open_alerts[bucket].items()
            ),
        )
    if dataset == "repeat_authors":
        return (
            ["author_pseudonym", "flagged_items", "schools", "last_item_at"],
            (
                (a.pseudonym, a.flagged_items, a.schools, a.last_at.isoformat())
                for a in board.repeat_authors
            ),
        )
    raise KeyError(dataset)


def to_csv(dataset: str, board: Dashboard) -> str:
    header, rows = _rows(dataset, board)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()
