"""The account administrators' response inbox and its two marks.

Both marks go through `trustwatch.sla.responses` (the owner of manual marks), which also
writes their audit rows, by way of the form handling the item page shares
(`trustwatch.web.api.manual_marks`); this module only checks that the item is on one of
the user's accounts and still owed a response.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from trustwatch.db.models import ResponseSla, WebUser, utcnow
from trustwatch.web.api import manual_marks
from trustwatch.web.api.deps import CsrfChecked, InboxUser, SessionDep, existing_id
from trustwatch.web.services import audit
from trustwatch.web.services import inbox as inbox_service
from trustwatch.web.templating import render

router = APIRouter(prefix="/inbox", tags=["inbox"])

NOTICES = {
    "responded": "Marked as responded outside the platform.",
    "not_needed": "Marked as needing no response; the reason was kept.",
}


def _page(
    request: Request,
    db: Session,
    user: WebUser,
    filters: inbox_service.InboxFilters,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    registry = request.app.state.registry
    result = inbox_service.inbox(db, registry=registry, user=user, filters=filters, now=utcnow())
    audit.record(
        db,
        actor=user.email,
        action="inbox.view",
        target_type="inbox",
        detail={"item_ids": [r.item.item_id for r in result.rows], "show": filters.show},
    )
    return render(
        request,
        "inbox/list.html",
        {
            "result": result,
            "filters": filters,
            "shows": inbox_service.SHOW,
            "named": inbox_service.named_accounts(registry, user.email),
            "lead_hours": registry.alerting.at_risk_lead_hours,
            "notice": notice,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("")
def inbox(
    request: Request,
    db: SessionDep,
    user: InboxUser,
    show: Annotated[str, Query(max_length=10)] = "owed",
    account: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: str = "",
) -> Response:
    filters = inbox_service.InboxFilters(
        show=show if show in inbox_service.SHOW else "owed", account=account or None, page=page
    )
    return _page(request, db, user, filters, notice=NOTICES.get(done))


def _owed_or_404(request: Request, db: Session, user: WebUser, item_id: int) -> ResponseSla:
    row = inbox_service.owed_item(
        db,
        registry=request.app.state.registry,
        user=user,
        item_id=existing_id(item_id, "item"),
    )
    if row is None:
        raise HTTPException(
            status_code=404, detail="No such item owed a response on your accounts."
        )
    return row


@router.post("/{item_id}/responded", dependencies=[CsrfChecked])
def responded(
    request: Request,
    db: SessionDep,
    user: InboxUser,
    item_id: int,
    note: Annotated[str, Form(max_length=4000)] = "",
    responded_at: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    _owed_or_404(request, db, user, item_id)
    error = manual_marks.mark_responded_outside(
        request,
        db,
        item_id=item_id,
        actor=user.email,
        note=note,
        responded_at=responded_at,
        missing_note="Write a note saying how and where you responded.",
    )
    if error is not None:
        return _refused(request, db, user, error)
    return RedirectResponse("/inbox?done=responded", status_code=303)


@router.post("/{item_id}/not-needed", dependencies=[CsrfChecked])
def not_needed(
    request: Request,
    db: SessionDep,
    user: InboxUser,
    item_id: int,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    _owed_or_404(request, db, user, item_id)
    error = manual_marks.mark_no_response_needed(
        db, item_id=item_id, actor=user.email, reason=reason
    )
    if error is not None:
        return _refused(request, db, user, error)
    return RedirectResponse("/inbox?done=not_needed", status_code=303)


def _refused(request: Request, db: Session, user: WebUser, error: str) -> Response:
    """The inbox's first page again, saying why the mark was refused."""
    return _page(request, db, user, inbox_service.InboxFilters(), error=error, status_code=400)
