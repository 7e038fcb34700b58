"""Dashboards for data staff (and leads): volumes, the 24-hour rule, open alerts, CSV export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from trustwatch.db.models import WebUser, utcnow
from trustwatch.web.api.deps import DashboardUser, SessionDep
from trustwatch.web.services import audit, charts, exports
from trustwatch.web.services import dashboards as dashboard_service
from trustwatch.web.services.scope import visible_schools
from trustwatch.web.templating import render

router = APIRouter(prefix="/dashboards", tags=["dashboards"])

Text = Annotated[str, Query(max_length=40)]


@dataclass(frozen=True)
class BoardQuery:
    """The filters, declared once so the page, its charts and its CSV exports accept
    exactly the same query string and so always show the same numbers."""

    date_from: str
    date_to: str
    school: str
    platform: str
    dimension: str


def _board_query(
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    school: Text = "",
    platform: Text = "",
    dimension: Text = "school",
) -> BoardQuery:
    return BoardQuery(date_from, date_to, school, platform, dimension)


BoardQueryDep = Annotated[BoardQuery, Depends(_board_query)]


def _board(
    request: Request, db: Session, user: WebUser, query: BoardQuery
) -> dashboard_service.Dashboard:
    zone = ZoneInfo(request.app.state.registry.trust.timezone)
    now = utcnow()
    filters = dashboard_service.DashboardFilters.parse(
        today=now.astimezone(zone).date(),
        date_from=query.date_from,
        date_to=query.date_to,
        school=query.school,
        platform=query.platform,
        dimension=query.dimension,
    )
    return dashboard_service.build(db, user=user, filters=filters, zone=zone, now=now)


@router.get("")
def overview(
    request: Request,
    db: SessionDep,
    user: DashboardUser,
    query: BoardQueryDep,
) -> Response:
    board = _board(request, db, user, query)
    return render(
        request,
        "dashboards/overview.html",
        {
            "board": board,
            "query": urlencode(board.filters.query()),
            "schools": visible_schools(db, user),
            "platforms": dashboard_service.platforms(db),
            "dimensions": dashboard_service.DIMENSIONS,
            "charts": charts.CHARTS,
            "datasets": exports.DATASETS,
        },
    )


@router.get("/checks")
def data_checks(request: Request, db: SessionDep, user: DashboardUser) -> Response:
    """The Great Expectations results, for data staff to see that the figures can be trusted.

    Check names, reasons and counts only: the failing samples a result keeps can be post
    text, which dashboard users never see.
    """
    from trustwatch.quality.store import recent_results
    from trustwatch.warehouse.quarantine import counts

    results = recent_results(db, limit=100)
    failed = [r for r in results if not r.success]
    quarantined = counts(db)
    return render(
        request,
        "dashboards/checks.html",
        {
            "results": results,
            "failed_count": len(failed),
            "quarantine": quarantined,
            "quarantine_total": sum(q.records for q in quarantined),
        },
    )


@router.get("/charts/{name}.svg")
def chart(
    request: Request,
    db: SessionDep,
    user: DashboardUser,
    name: str,
    query: BoardQueryDep,
) -> Response:
    if name not in charts.CHARTS:
        raise HTTPException(status_code=404, detail="No such chart.")
    board = _board(request, db, user, query)
    return Response(charts.render_svg(name, board), media_type="image/svg+xml")


@router.get("/export/{dataset}.csv")
def export(
    request: Request,
    db: SessionDep,
    user: DashboardUser,
    dataset: str,
    query: BoardQueryDep,
) -> Response:
    if dataset not in exports.DATASETS:
        raise HTTPException(status_code=404, detail="No such export.")
    board = _board(request, db, user, query)
    audit.record(
        db,
        actor=user.email,
        action="dashboard.export",
        target_type="dataset",
        target_id=dataset,
        detail=board.filters.query(),
    )
    stamp = dt.date.today().isoformat()
    return Response(
        exports.to_csv(dataset, board),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="trustwatch-{dataset}-{stamp}.csv"'},
    )
