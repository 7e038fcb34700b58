"""The sla_and_alerts DAG's steps: bring response clocks, then alerts, up to date.

Both run "as of" the end of the run's window, so a replayed or rerun interval sees the
same clock and writes the same rows. Both are incremental (they read what changed since
their last run, see `trustwatch.sla.job` and `trustwatch.alerts.engine`) and rebuild in
full by themselves when the registry's calendars, accounts or alert rules change.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from trustwatch.db.engine import session_scope
from trustwatch.pipeline.runtime import Window, engine, registry


def compute_response_sla(window: Window) -> dict[str, Any]:
    from trustwatch.sla.job import compute_sla

    with session_scope(engine()) as session:
        summary = compute_sla(session, registry(), now=window.end)
    return {
        "as_of": window.end.isoformat(),
        "items": summary.items,
        "clocks": summary.clocks,
        "deleted": summary.deleted,
        "written": summary.written,
        "came_due": summary.status_updates,
        "mode": summary.mode,
        "by_status": dict(summary.by_status),
    }


def refresh_alerts(window: Window) -> dict[str, Any]:
    from trustwatch.alerts.engine import refresh_alerts as refresh

    with session_scope(engine()) as session:
        result = refresh(session, registry(), now=window.end)
    counts = dataclasses.asdict(result) if dataclasses.is_dataclass(result) else dict(result)
    return {"as_of": window.end.isoformat(), **_jsonable(counts)}


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Keep only what XCom should carry: numbers, strings and flat mappings of them."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, (int, float, str, bool)) or value is None:
            out[key] = value
        elif isinstance(value, dict):
            out[key] = {str(k): v for k, v in value.items() if isinstance(v, (int, float, str))}
    return out
