"""Sign in, sign out, change one's own password; `/` sends each role to its home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from trustwatch.errors import UserError
from trustwatch.settings import Settings
from trustwatch.web.api.deps import (
    CsrfChecked,
    CurrentSession,
    CurrentUser,
    SessionDep,
    SettingsDep,
)
from trustwatch.web.roles import Role
from trustwatch.web.security import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    new_token,
    tokens_match,
    verify_password,
)
from trustwatch.web.services import auth as auth_service
from trustwatch.web.services import users as user_service
from trustwatch.web.templating import render

router = APIRouter(tags=["auth"])

REFUSED = (
    "Sign-in failed: the email or password is wrong, or the account is not active. "
    "Ask an administrator if you are stuck."
)
RATE_LIMITED = "Too many failed sign-ins from this network. Wait a few minutes and try again."
THROTTLED = (
    "Too many wrong passwords for this email from this network. Wait {wait} and try again; "
    "other networks are not affected, and an administrator can lift the wait."
)


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{-(-seconds // 60)} minutes"


def _local_path(target: str | None) -> str | None:
    """Only same-site paths are followed after sign-in, never another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return target


def _login_page(
    request: Request, *, error: str | None, next_path: str | None, status_code: int = 200
) -> Response:
    token = new_token()
    response = render(
        request,
        "auth/login.html",
        {"error": error, "login_csrf": token, "next_path": next_path or ""},
        status_code=status_code,
    )
    settings: Settings = request.app.state.settings
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, error=None, next_path=_local_path(next))


@router.post("/login")
def login(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    next_path = _local_path(next)
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(
            request,
            error="The form's security token is missing or old; please try again.",
            next_path=next_path,
            status_code=403,
        )
    client = request.client.host if request.client else "unknown"
    result = auth_service.sign_in(
        db, email=email, password=password, client=client, settings=settings
    )
    if result.outcome is auth_service.Outcome.RATE_LIMITED:
        return _login_page(request, error=RATE_LIMITED, next_path=next_path, status_code=429)
    if result.outcome is auth_service.Outcome.THROTTLED:
        message = THROTTLED.format(wait=_wait_text(result.retry_after_seconds))
        page = _login_page(request, error=message, next_path=next_path, status_code=429)
        page.headers["retry-after"] = str(result.retry_after_seconds)
        return page
    if result.outcome is not auth_service.Outcome.OK or result.user is None or not result.token:
        return _login_page(request, error=REFUSED, next_path=next_path, status_code=401)
    response = RedirectResponse(next_path or Role(result.user.role).home, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(db: SessionDep, web_session: CurrentSession, settings: SettingsDep) -> Response:
    auth_service.sign_out(db, web_session=web_session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure
    )
    return response


@router.get("/")
def home(user: CurrentUser) -> Response:
    return RedirectResponse(Role(user.role).home, status_code=303)


@router.get("/account")
def account(request: Request, user: CurrentUser, changed: bool = False) -> Response:
    notice = "Password changed; your other sessions were signed out." if changed else None
    return render(
        request, "auth/account.html", {"account": user, "role": Role(user.role), "notice": notice}
    )


@router.post("/account/password", dependencies=[CsrfChecked])
def change_password(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    repeat_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Changing one's password ends every session, this one included, then signs in afresh."""
    error = None
    if not verify_password(user.password_hash, current_password):
        error = "The current password is wrong."
    elif new_password != repeat_password:
        error = "The two new passwords differ."
    if error is None:
        try:
            user_service.set_password(db, user=user, password=new_password, actor=user.email)
        except UserError as exc:
            error = str(exc)
    if error is not None:
        context = {"account": user, "role": Role(user.role), "error": error}
        return render(request, "auth/account.html", context, 400)
    token = auth_service.open_session(db, user=user, settings=settings)
    response = RedirectResponse("/account?changed=1", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return response
