"""`build_report`: one call from warehouse to files, for the CLI and the weekly DAG."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, inspect

from trustwatch.errors import UserError
from trustwatch.registry import Registry
from trustwatch.reports.content import gather
from trustwatch.reports.periods import Period, PeriodKind, period_for
from trustwatch.reports.render import ReportFiles, write_report
from trustwatch.settings import get_settings


def default_out_dir() -> Path:
    return get_settings().var_dir / "reports"


def build_report(
    engine: Engine,
    registry: Registry,
    *,
    period: PeriodKind | str | Period,
    school: str | None = None,
    now: dt.datetime,
    out_dir: Path | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> ReportFiles:
    """Write the HTML and PDF report for `period` (a kind resolved against `now`, or a Period).

    `embed` defaults to the bundled sentence encoder; it is a parameter so a caller that
    already holds the encoder can share it.
    """
    if now.tzinfo is None:
        raise UserError("--now must carry a time zone, e.g. 2026-11-30T07:00:00+00:00")
    if school is not None and school not in {s.key for s in registry.schools}:
        known = ", ".join(s.key for s in registry.schools)
        raise UserError(f"unknown school '{school}'. Fix: use one of the registry's keys: {known}.")
    if not inspect(engine).has_table("items"):
        where = engine.url.render_as_string(hide_password=True)
        raise UserError(f"the warehouse at {where} has no tables yet. Fix: run `trustwatch init`.")
    if not isinstance(period, Period):
        period = period_for(period, now, registry.trust.timezone)
    if embed is None:
        from trustwatch.reports.embeddings import embed as default_embed

        embed = default_embed
    content = gather(engine, registry, period, school_key=school, now=now, embed=embed)
    return write_report(content, out_dir or default_out_dir())
