"""The lead's verdicts on classifier labels: from an alert ("was each flagged label right?")
and from the mention view ("the model missed this").

Kept in its own router and template partial (`templates/partials/verdicts.html`) so the
alert and mention pages only include it. Only safeguarding leads, in their own schools.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from classifiers.labels import LABELS
from trustwatch.errors import UserError
from trustwatch.web.api.deps import CaseworkUser, CsrfChecked, SessionDep
from trustwatch.web.services import alerts as alert_service
from trustwatch.web.services import audit
from trustwatch.web.services import mentions as mention_service
from trustwatch.web.services import verdicts as verdict_service

router = APIRouter(prefix="/verdicts", tags=["verdicts"])

LabelField = Annotated[str, Form(max_length=20)]


@router.post("/alerts/{alert_id}", dependencies=[CsrfChecked])
async def judge_alert(
    request: Request, db: SessionDep, user: CaseworkUser, alert_id: int
) -> Response:
    """Store the answers of the alert's verdict form: `answer_<label>`, `should_be_<label>`."""
    alert = alert_service.get_visible_alert(db, user=user, alert_id=alert_id)
    if alert is None:
        raise HTTPException(status_code=404, detail="No such alert in your schools.")
    form = await request.form()
    answers = {
        label: (
            str(form.get(f"answer_{label}", ""))[:12],
            str(form.get(f"should_be_{label}", ""))[:20],
        )
        for label in LABELS
    }
    try:
        stored = verdict_service.record_alert_answers(
            db, alert=alert, reviewer=user, answers=answers
        )
    except UserError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    audit.record(
        db,
        actor=user.email,
        action="verdict.record",
        target_type="alert",
        target_id=alert.alert_id,
        detail={"labels": {v.label: v.verdict for v in stored}},
    )
    return RedirectResponse(f"/alerts/{alert.alert_id}?done=verdicts", status_code=303)


@router.post("/items/{item_id}/missed", dependencies=[CsrfChecked])
def report_missed(
    request: Request, db: SessionDep, user: CaseworkUser, item_id: int, label: LabelField
) -> Response:
    """Record "the model missed this": the item should have carried `label`."""
    item = mention_service.get_visible_item(db, user=user, item_id=item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="No such item in your schools.")
    try:
        verdict_service.record_missed(db, item=item, label=label, reviewer=user)
    except UserError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    audit.record(
        db,
        actor=user.email,
        action="verdict.missed",
        target_type="item",
        target_id=item_id,
        detail={"label": label},
    )
    return RedirectResponse(f"/mentions/{item_id}?done=missed", status_code=303)
