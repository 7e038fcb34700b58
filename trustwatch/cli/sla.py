"""`trustwatch sla` and `trustwatch alerts`: compute the 24-hour rule, list and refresh alerts."""

from __future__ import annotations

import datetime as dt
import math

import click
import pandas as pd
from sqlalchemy import select

from trustwatch.cli.context import AppContext, pass_app
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Alert, Item, ResponseSla, School, utcnow
from trustwatch.errors import UserError
from trustwatch.sla.rule import SlaStatus


def parse_now(value: str | None) -> dt.datetime:
    """`--now` must carry its zone: a naive time would shift every status by an hour."""
    if value is None:
        return utcnow()
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UserError(
            f"--now {value!r} is not an ISO 8601 time. Fix: write e.g. 2026-11-28T09:00:00+00:00"
        ) from None
    if parsed.tzinfo is None:
        raise UserError(
            f"--now {value!r} has no time zone. Fix: add one, e.g. {value}+00:00 or {value}Z"
        )
    return parsed.astimezone(dt.UTC)


def nearest_rank(values: pd.Series, q: float) -> float | None:
    """The nearest-rank percentile, the same method the `sla_weekly` view uses."""
    ordered = values.dropna().sort_values().to_numpy()
    if len(ordered) == 0:
        return None
    return float(ordered[max(math.ceil(q * len(ordered)), 1) - 1])


def school_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per school from clock rows (school_key, status, response_seconds)."""
    rows = []
    for school_key, group in frame.groupby("school_key", sort=True):
        counts = group["status"].value_counts()
        met = int(counts.get(SlaStatus.MET.value, 0))
        late = int(counts.get(SlaStatus.BREACHED.value, 0))
        open_late = int(counts.get(SlaStatus.OPEN_BREACHED.value, 0))
        decided = met + late + open_late
        median = nearest_rank(group["response_seconds"], 0.5)
        p90 = nearest_rank(group["response_seconds"], 0.9)
        rows.append(
            {
                "school": school_key,
                "clocks": len(group),
                "met": met,
                "late": late,
                "open_breached": open_late,
                "at_risk": int(counts.get(SlaStatus.AT_RISK.value, 0)),
                "open": int(counts.get(SlaStatus.OPEN.value, 0)),
                "compliance": f"{met / decided:.0%}" if decided else "-",
                "median_h": f"{median / 3600:.1f}" if median is not None else "-",
                "p90_h": f"{p90 / 3600:.1f}" if p90 is not None else "-",
            }
        )
    return pd.DataFrame(rows)


def _print_table(frame: pd.DataFrame) -> None:
    if frame.empty:
        click.echo("(none)")
        return
    click.echo(frame.to_string(index=False))


def _run_sla(app: AppContext, now_text: str | None, *, full: bool) -> None:
    from trustwatch.sla.job import compute_sla

    registry = app.registry
    now = parse_now(now_text)
    with session_scope(app.engine) as session:
        result = compute_sla(session, registry, now=now, full=full)
        rows = session.execute(
            select(School.school_key, ResponseSla.status, ResponseSla.response_seconds)
            .join(School, School.school_id == ResponseSla.school_id)
            .where(ResponseSla.item_id == ResponseSla.clock_item_id)
        ).all()
    click.echo(
        f"24-hour rule as of {now.isoformat()} ({result.mode}): {result.clocks} clocks over "
        f"{result.items} items recomputed, {result.written} rows written, "
        f"{result.status_updates} came due ({result.deleted} stale rows removed)"
    )
    _print_table(
        school_summary(pd.DataFrame(rows, columns=["school_key", "status", "response_seconds"]))
    )


@click.group("sla", invoke_without_command=True)
@click.option("--now", "now_text", help="Compute as of this ISO time with zone (default: now).")
@pass_app
@click.pass_context
def sla(ctx: click.Context, app: AppContext, now_text: str | None) -> None:
    """Bring the 24-hour rule up to date (only what changed) and print a per-school summary."""
    if ctx.invoked_subcommand is None:
        _run_sla(app, now_text, full=False)


@sla.command("rebuild")
@click.option("--now", "now_text", help="Compute as of this ISO time with zone (default: now).")
@pass_app
def sla_rebuild(app: AppContext, now_text: str | None) -> None:
    """Recompute every clock from scratch: a repair, e.g. after restoring a backup.

    The hourly run already rebuilds by itself when calendars, closures, school accounts or
    the lead time change; this reads the whole warehouse and may take minutes.
    """
    _run_sla(app, now_text, full=True)


@click.group("alerts", invoke_without_command=True)
@click.option("--status", type=click.Choice(["open", "acknowledged", "resolved", "dismissed"]))
@click.option("--school", "school_key", help="A school key from the registry.")
@click.option("--severity", type=click.Choice(["critical", "high", "medium", "low"]))
@pass_app
@click.pass_context
def alerts(
    ctx: click.Context,
    app: AppContext,
    status: str | None,
    school_key: str | None,
    severity: str | None,
) -> None:
    """List alerts, newest first (authors appear only as pseudonyms)."""
    if ctx.invoked_subcommand is not None:
        return
    if school_key is not None:
        known = [s.key for s in app.registry.schools]
        if school_key not in known:
            raise UserError(
                f"--school {school_key!r} is not in {app.config_path}. Fix: use one of "
                + ", ".join(known)
            )
    query = (
        select(
            Alert.alert_id,
            Alert.created_at,
            School.school_key,
            Item.platform,
            Alert.alert_type,
            Alert.severity,
            Alert.status,
            Alert.assigned_to,
            Item.author_key,
        )
        .join(Item, Item.item_id == Alert.item_id)
        .outerjoin(School, School.school_id == Alert.school_id)
        .order_by(Alert.created_at.desc(), Alert.alert_id.desc())
    )
    if status:
        query = query.where(Alert.status == status)
    if severity:
        query = query.where(Alert.severity == severity)
    if school_key:
        query = query.where(School.school_key == school_key)
    with session_scope(app.engine) as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(
        [
            {
                "id": r.alert_id,
                "raised": r.created_at.strftime("%Y-%m-%d %H:%M"),
                "school": r.school_key or "-",
                "platform": r.platform,
                "type": r.alert_type,
                "severity": r.severity,
                "status": r.status,
                "assigned": r.assigned_to or "-",
                "author": (r.author_key or "-")[:12],
            }
            for r in rows
        ]
    )
    _print_table(frame)


@alerts.command("refresh")
@click.option("--now", "now_text", help="Refresh as of this ISO time with zone (default: now).")
@click.option("--full", is_flag=True, help="Re-judge every score and clock (a repair).")
@pass_app
def alerts_refresh(app: AppContext, now_text: str | None, full: bool) -> None:
    """Bring the 24-hour rule up to date, then raise, escalate and settle alerts."""
    from trustwatch.alerts.engine import refresh_alerts
    from trustwatch.sla.job import compute_sla

    registry = app.registry
    now = parse_now(now_text)
    with session_scope(app.engine) as session:
        compute_sla(session, registry, now=now, full=full)
        summary = refresh_alerts(session, registry, now=now, full=full)
    click.echo(f"alerts as of {now.isoformat()}: {summary}")


COMMANDS = [sla, alerts]
