"""The safeguarding lead's alert queue, alert detail and the actions on an alert.

State changes go through `trustwatch.alerts.lifecycle` (the one owner of the alert life
cycle); this module only checks who may act, and audits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from trustwatch.alerts import lifecycle
from trustwatch.db.models import Alert, WebUser
from trustwatch.errors import UserError
from trustwatch.web.api.deps import CaseworkUser, CsrfChecked, SessionDep, existing_id
from trustwatch.web.services import alerts as alert_service
from trustwatch.web.services import audit
from trustwatch.web.services import verdicts as verdict_service
from trustwatch.web.services.listing import filter_date
from trustwatch.web.services.scope import visible_schools
from trustwatch.web.services.users import lead_emails
from trustwatch.web.templating import render

router = APIRouter(prefix="/alerts", tags=["alerts"])

# Resolving or dismissing closes the case: the reason must be written down.
NOTE_REQUIRED = frozenset({"resolved", "dismissed"})
NOTICES = {
    "acknowledged": "Alert acknowledged.",
    "resolved": "Alert resolved.",
    "dismissed": "Alert dismissed.",
    "open": "Alert reopened.",
    "assigned": "Alert assigned.",
    "responded": "Marked as responded outside the platform.",
    "verdicts": "Thank you: your verdicts will teach the next model.",
}


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.registry.trust.timezone)


def _routes_response_alerts(request: Request) -> bool:
    return bool(request.app.state.registry.alerting.response_alerts_to_leads)


@router.get("")
def alert_queue(
    request: Request,
    db: SessionDep,
    user: CaseworkUser,
    school: Annotated[str, Query(max_length=40)] = "",
    platform: Annotated[str, Query(max_length=20)] = "",
    alert_type: Annotated[str, Query(alias="type", max_length=30)] = "",
    severity: Annotated[str, Query(max_length=10)] = "",
    status: Annotated[str, Query(max_length=15)] = "active",
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    mine: Annotated[str, Query(max_length=1)] = "",
    sort: Annotated[str, Query(max_length=10)] = "severity",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = alert_service.QueueFilters(
        school=school,
        platform=platform,
        alert_type=alert_type,
        severity=severity if severity in alert_service.SEVERITY_ORDER else "",
        status=status if status in alert_service.STATUS_FILTERS else "active",
        date_from=filter_date(date_from),
        date_to=filter_date(date_to),
        mine=mine == "1",
        sort=sort if sort in alert_service.SORTS else "severity",
        page=page,
    )
    to_leads = _routes_response_alerts(request)
    result = alert_service.queue(
        db, user=user, filters=filters, zone=_zone(request), response_alerts_to_leads=to_leads
    )
    # The queue shows text snippets, so which alerts a lead was shown is written down too.
    audit.record(
        db,
        actor=user.email,
        action="alert.queue_view",
        target_type="alert_queue",
        detail={
            "filters": filters.as_audit(),
            "alert_ids": [r.alert.alert_id for r in result.rows],
        },
    )
    return render(
        request,
        "alerts/queue.html",
        {
            "result": result,
            "filters": filters,
            "choices": alert_service.filter_choices(
                db, user=user, response_alerts_to_leads=to_leads
            ),
            "sorts": alert_service.SORTS,
            "schools": visible_schools(db, user),
            "response_alerts_to_leads": to_leads,
            "page_size": alert_service.PAGE_SIZE,
        },
    )


def _visible_or_404(db: Session, user: WebUser, alert_id: int) -> Alert:
    alert_id = existing_id(alert_id, "alert")
    alert = alert_service.get_visible_alert(db, user=user, alert_id=alert_id)
    if alert is None:
        raise HTTPException(status_code=404, detail="No such alert in your schools.")
    return alert


def _detail_page(
    request: Request,
    db: Session,
    user: WebUser,
    alert: Alert,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    """Every rendering of an alert's detail (text, handle, thread) is an audited view,
    naming the thread items shown with it."""
    d = alert_service.detail(db, alert=alert, user=user)
    audit.record(
        db,
        actor=user.email,
        action="alert.view",
        target_type="alert",
        target_id=alert.alert_id,
        detail={"item_id": d.item.item_id, "thread_item_ids": [e.item.item_id for e in d.thread]},
    )
    return render(
        request,
        "alerts/detail.html",
        {
            "d": d,
            "history": alert_service.history(d.events),
            "assignees": lead_emails(db, alert.school_id),
            "next_statuses": _next_statuses(alert),
            "verdicts": verdict_service.form_for(db, item_id=alert.item_id, alert=alert),
            "error": error,
            "notice": notice,
        },
        status_code=status_code,
    )


# Button label for each status an alert can move to.
ACTIONS = {
    "acknowledged": "Acknowledge",
    "resolved": "Resolve",
    "dismissed": "Dismiss",
    "open": "Reopen",
}


def _next_statuses(alert: Alert) -> list[tuple[str, str]]:
    """The life cycle's allowed moves from the alert's status, in a stable order."""
    allowed = lifecycle.ALLOWED.get(lifecycle.AlertStatus(alert.status), frozenset())
    return [(status, label) for status, label in ACTIONS.items() if status in allowed]


@router.get("/{alert_id}")
def alert_detail(
    request: Request, db: SessionDep, user: CaseworkUser, alert_id: int, done: str = ""
) -> Response:
    alert = _visible_or_404(db, user, alert_id)
    return _detail_page(request, db, user, alert, notice=NOTICES.get(done))


@router.post("/{alert_id}/status", dependencies=[CsrfChecked])
def change_status(
    request: Request,
    db: SessionDep,
    user: CaseworkUser,
    alert_id: int,
    to_status: Annotated[str, Form(max_length=15)],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    alert = _visible_or_404(db, user, alert_id)
    note = note.strip()
    if to_status in NOTE_REQUIRED and not note:
        return _detail_page(
            request,
            db,
            user,
            alert,
            error=f"Write a note to say why it is {to_status}.",
            status_code=400,
        )
    return _act(
        request,
        db,
        user,
        alert_id,
        lambda: lifecycle.transition(
            db, alert_id=alert_id, to_status=to_status, actor=user.email, note=note or None
        ),
        action="alert.transition",
        detail={"from": alert.status, "to": to_status},
        done=to_status,
    )


@router.post("/{alert_id}/assign", dependencies=[CsrfChecked])
def assign(
    request: Request,
    db: SessionDep,
    user: CaseworkUser,
    alert_id: int,
    assignee: Annotated[str, Form(max_length=320)],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    alert = _visible_or_404(db, user, alert_id)
    if assignee not in lead_emails(db, alert.school_id):
        return _detail_page(
            request,
            db,
            user,
            alert,
            error="Choose a safeguarding lead who covers this school.",
            status_code=400,
        )
    return _act(
        request,
        db,
        user,
        alert_id,
        lambda: lifecycle.assign(
            db,
            alert_id=alert_id,
            assignee=assignee,
            actor=user.email,
            note=note.strip() or None,
        ),
        action="alert.assign",
        detail={"from": alert.assigned_to, "to": assignee},
        done="assigned",
    )


def _act(
    request: Request,
    db: Session,
    user: WebUser,
    alert_id: int,
    change: Callable[[], object],
    *,
    action: str,
    detail: dict[str, str | None],
    done: str,
) -> Response:
    """Make a life-cycle change on the alert, then audit it and go back to the alert.

    A change the life cycle refuses is rolled back and the alert shown again saying why
    (409: it conflicts with the alert's state, which may have moved on meanwhile).
    """
    try:
        change()
    except (UserError, ValueError) as exc:
        db.rollback()
        alert = _visible_or_404(db, user, alert_id)
        return _detail_page(request, db, user, alert, error=str(exc), status_code=409)
    audit.record(
        db,
        actor=user.email,
        action=action,
        target_type="alert",
        target_id=alert_id,
        detail=detail,
    )
    return RedirectResponse(f"/alerts/{alert_id}?done={done}", status_code=303)
