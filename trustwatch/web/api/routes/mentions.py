"""Items waiting under the 24-hour rule, and the lead's "responded outside the platform" mark."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from starlette.responses import RedirectResponse, Response

from trustwatch.db.models import utcnow
from trustwatch.web.api import manual_marks
from trustwatch.web.api.deps import CaseworkUser, CsrfChecked, SessionDep, existing_id
from trustwatch.web.services import audit
from trustwatch.web.services import mentions as mention_service
from trustwatch.web.services import verdicts as verdict_service
from trustwatch.web.services.scope import visible_schools
from trustwatch.web.templating import render

router = APIRouter(prefix="/mentions", tags=["mentions"])
NOTICES = {
    "responded": "Marked as responded outside the platform.",
    "missed": "Thank you: the next model will learn from what this one missed.",
}


@router.get("")
def clock_list(
    request: Request,
    db: SessionDep,
    user: CaseworkUser,
    show: Annotated[str, Query(max_length=10)] = "waiting",
    school: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = mention_service.ClockFilters(
        show=show if show in mention_service.CLOCK_FILTERS else "waiting",
        school=school,
        page=page,
    )
    result = mention_service.clocks(db, user=user, filters=filters, now=utcnow())
    return render(
        request,
        "mentions/list.html",
        {
            "result": result,
            "filters": filters,
            "schools": visible_schools(db, user),
            "choices": mention_service.CLOCK_FILTERS,
        },
    )


@router.get("/{item_id}")
def item_page(
    request: Request, db: SessionDep, user: CaseworkUser, item_id: int, done: str = ""
) -> Response:
    item = _visible_item_or_404(db, user, item_id)
    return _item_page(request, db, user, item, notice=NOTICES.get(done))


def _visible_item_or_404(db: SessionDep, user: CaseworkUser, item_id: int) -> Any:
    """The item, when it is in one of the user's schools; else a 404."""
    item = mention_service.get_visible_item(db, user=user, item_id=existing_id(item_id, "item"))
    if item is None:
        raise HTTPException(status_code=404, detail="No such item in your schools.")
    return item


def _item_page(
    request: Request,
    db: SessionDep,
    user: CaseworkUser,
    item: Any,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The item page; every showing is audited with the thread items it showed."""
    d = mention_service.item_detail(db, item=item, user=user)
    audit.record(
        db,
        actor=user.email,
        action="item.view",
        target_type="item",
        target_id=item.item_id,
        detail={"thread_item_ids": [e.item.item_id for e in d.thread]},
    )
    context = {
        "d": d,
        "notice": notice,
        "verdicts": verdict_service.form_for(db, item_id=item.item_id),
    }
    if error is not None:
        context["error"] = error
    return render(request, "mentions/detail.html", context, status_code=status_code)


def _return_path(value: str, item_id: int) -> str:
    """Back to the alert or item page the form was on; nowhere else."""
    if value.startswith("/alerts/") and value.removeprefix("/alerts/").isdigit():
        return value
    return f"/mentions/{item_id}"


@router.post("/{item_id}/responded-outside", dependencies=[CsrfChecked])
def responded_outside(
    request: Request,
    db: SessionDep,
    user: CaseworkUser,
    item_id: int,
    note: Annotated[str, Form(max_length=4000)] = "",
    responded_at: Annotated[str, Form(max_length=30)] = "",
    return_to: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    item = _visible_item_or_404(db, user, item_id)
    back = _return_path(return_to, item_id)
    error = manual_marks.mark_responded_outside(
        request,
        db,
        item_id=item_id,
        actor=user.email,
        note=note,
        responded_at=responded_at,
        missing_note="Write a note saying how and where the school responded.",
    )
    if error is not None:
        return _item_page(request, db, user, item, error=error, status_code=400)
    # mark_responded_outside writes the audit row itself.
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}done=responded", status_code=303)
