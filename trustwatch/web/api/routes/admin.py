"""Administrators: staff users, their roles and schools; the schools themselves are read-only
here because the registry YAML is their one source."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from trustwatch.db.models import LoginAttempt, School, WebUser
from trustwatch.errors import UserError
from trustwatch.web.api.deps import AdminUser, CsrfChecked, SessionDep, existing_id
from trustwatch.web.roles import Role
from trustwatch.web.services import audit
from trustwatch.web.services import users as user_service
from trustwatch.web.services.listing import filter_date
from trustwatch.web.templating import render

router = APIRouter(prefix="/admin", tags=["admin"])

NOTICES = {
    "created": "User created.",
    "updated": "User updated.",
    "password": "Password set; the user's sessions were signed out.",
    "unlocked": "Sign-in wait cleared for every network.",
}


def _schools(db: Session) -> list[School]:
    return list(db.scalars(select(School).where(School.is_active).order_by(School.name)))


def _user_or_404(db: Session, user_id: int) -> WebUser:
    user = user_service.get_user(db, existing_id(user_id, "user"))
    if user is None:
        raise HTTPException(status_code=404, detail="No such user.")
    return user


@router.get("/users")
def users(request: Request, db: SessionDep, admin: AdminUser, done: str = "") -> Response:
    return _users_page(request, db, notice=NOTICES.get(done))


def _users_page(
    request: Request,
    db: Session,
    *,
    notice: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The user list with the new-user form (`form` refills it after a refusal)."""
    return render(
        request,
        "admin/users.html",
        {
            "users": user_service.list_users(db),
            "roles": list(Role),
            "schools": _schools(db),
            "notice": notice,
            "error": error,
            "form": form or {},
        },
        status_code=status_code,
    )


@router.post("/users", dependencies=[CsrfChecked])
def create_user(
    request: Request,
    db: SessionDep,
    admin: AdminUser,
    email: Annotated[str, Form(max_length=320)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    school: Annotated[str, Form(max_length=40)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    try:
        user_service.create_user(
            db,
            email=email,
            role=user_service.parse_role(role),
            password=password,
            actor=admin.email,
            school_key=school or None,
            display_name=display_name,
        )
    except UserError as exc:
        db.rollback()
        form = {"email": email, "display_name": display_name, "role": role, "school": school}
        return _users_page(request, db, error=str(exc), form=form, status_code=400)
    return RedirectResponse("/admin/users?done=created", status_code=303)


def _user_page(
    request: Request,
    db: Session,
    target: WebUser,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/user.html",
        {
            "target": target,
            "roles": list(Role),
            "schools": _schools(db),
            "events": audit.recent(db, limit=30, actor=target.email),
            "failed_sign_ins": db.scalar(
                select(func.count())
                .select_from(LoginAttempt)
                .where(LoginAttempt.email == target.email, LoginAttempt.succeeded.is_(False))
            ),
            "error": error,
            "notice": notice,
        },
        status_code=status_code,
    )


@router.get("/users/{user_id}")
def user_page(
    request: Request, db: SessionDep, admin: AdminUser, user_id: int, done: str = ""
) -> Response:
    return _user_page(request, db, _user_or_404(db, user_id), notice=NOTICES.get(done))


@router.post("/users/{user_id}", dependencies=[CsrfChecked])
def update_user(
    request: Request,
    db: SessionDep,
    admin: AdminUser,
    user_id: int,
    role: Annotated[str, Form(max_length=20)] = "",
    school: Annotated[str, Form(max_length=40)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    is_active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    target = _user_or_404(db, user_id)
    return _change_user(
        request,
        db,
        user_id,
        lambda: user_service.update_user(
            db,
            user=target,
            change=user_service.UserChange(
                role=user_service.parse_role(role),
                school_key=school,
                display_name=display_name,
                is_active=is_active == "on",
            ),
            actor=admin.email,
        ),
        done="updated",
    )


@router.post("/users/{user_id}/password", dependencies=[CsrfChecked])
def reset_password(
    request: Request,
    db: SessionDep,
    admin: AdminUser,
    user_id: int,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    target = _user_or_404(db, user_id)
    return _change_user(
        request,
        db,
        user_id,
        lambda: user_service.set_password(db, user=target, password=password, actor=admin.email),
        done="password",
    )


def _change_user(
    request: Request, db: Session, user_id: int, change: Callable[[], object], *, done: str
) -> Response:
    """Make a change to the user and go back to their page saying so; a change the user
    service refuses is rolled back and the page shown again with the reason (400)."""
    try:
        change()
    except UserError as exc:
        db.rollback()
        return _user_page(request, db, _user_or_404(db, user_id), error=str(exc), status_code=400)
    return RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)


@router.post("/users/{user_id}/unlock", dependencies=[CsrfChecked])
def unlock(db: SessionDep, admin: AdminUser, user_id: int) -> Response:
    user_service.unlock(db, user=_user_or_404(db, user_id), actor=admin.email)
    return RedirectResponse(f"/admin/users/{user_id}?done=unlocked", status_code=303)


@router.get("/schools")
def schools(request: Request, db: SessionDep, admin: AdminUser) -> Response:
    counts = dict(
        db.execute(
            select(WebUser.school_id, func.count())
            .where(WebUser.is_active)
            .group_by(WebUser.school_id)
        )
        .tuples()
        .all()
    )
    all_schools = list(db.scalars(select(School).order_by(School.is_active.desc(), School.name)))
    return render(
        request,
        "admin/schools.html",
        {"schools": all_schools, "user_counts": counts, "trust_wide": counts.get(None, 0)},
    )


@router.get("/audit")
def audit_log(
    request: Request,
    db: SessionDep,
    admin: AdminUser,
    actor: Annotated[str, Query(max_length=320)] = "",
    action: Annotated[str, Query(max_length=60)] = "",
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
) -> Response:
    """Who viewed and changed what, every row a page at a time; identifiers only."""
    filters = audit.AuditFilters(
        actor=actor.strip(),
        action=action.strip(),
        date_from=filter_date(date_from),
        date_to=filter_date(date_to),
        page=page,
    )
    zone = ZoneInfo(request.app.state.registry.trust.timezone)
    return render(
        request,
        "admin/audit.html",
        {
            "result": audit.search(db, filters, zone=zone),
            "filters": filters,
            "actions": audit.actions(db),
        },
    )
