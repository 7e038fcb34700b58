"""Dependencies every route declares: the warehouse session, the signed-in user, the role
guards and the CSRF check. Permission checks live here, not in the handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from trustwatch.db.engine import unit_of_work
from trustwatch.db.models import WebSession, WebUser
from trustwatch.settings import Settings
from trustwatch.web.roles import ADMIN_ROLES, CASEWORK_ROLES, DASHBOARD_ROLES, INBOX_ROLES, Role
from trustwatch.web.security import CSRF_FIELD, SESSION_COOKIE, tokens_match
from trustwatch.web.services.auth import resolve_session


@dataclass(frozen=True)
class Viewer:
    """Who is looking, copied out of the ORM so error pages render after a rollback."""

    email: str
    display_name: str
    role: str
    csrf_token: str


class LoginRequired(Exception):
    """No valid session: the app's handler sends the browser to the sign-in page."""


def get_db(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the handler returns, else rolled back."""
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


# scope="function": commit before the response is sent, so a redirect never races the write.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_web_session(request: Request, db: SessionDep, settings: SettingsDep) -> WebSession:
    token = request.cookies.get(SESSION_COOKIE)
    row = resolve_session(db, token=token, settings=settings) if token else None
    if row is None:
        raise LoginRequired()
    request.state.viewer = Viewer(
        email=row.user.email,
        display_name=row.user.display_name,
        role=row.user.role,
        csrf_token=row.csrf_token,
    )
    return row


CurrentSession = Annotated[WebSession, Depends(get_web_session)]


def get_current_user(web_session: CurrentSession) -> WebUser:
    return web_session.user


CurrentUser = Annotated[WebUser, Depends(get_current_user)]


def require_roles(roles: frozenset[Role]) -> Callable[[WebUser], WebUser]:
    """A guard that lets through only users whose role is in `roles` (403 otherwise)."""

    def guard(user: CurrentUser) -> WebUser:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail="Your role does not give access to this.")
        return user

    guard.__name__ = f"require_{'_'.join(sorted(r.value for r in roles))}"
    return guard


CaseworkUser = Annotated[WebUser, Depends(require_roles(CASEWORK_ROLES))]
DashboardUser = Annotated[WebUser, Depends(require_roles(DASHBOARD_ROLES))]
AdminUser = Annotated[WebUser, Depends(require_roles(ADMIN_ROLES))]
InboxUser = Annotated[WebUser, Depends(require_roles(INBOX_ROLES))]


async def check_csrf(request: Request, web_session: CurrentSession) -> None:
    """Refuse a state-changing form whose token does not match the session's."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not tokens_match(web_session.csrf_token, given if isinstance(given, str) else None):
        raise HTTPException(status_code=403, detail="The form's security token is missing or old.")


CsrfChecked = Depends(check_csrf)


# Ids are BIGINT (SQLite INTEGER): anything outside 1..2**63-1 cannot name a row. Without
# this check SQLite raises OverflowError on binding it, which would surface as a 500.
MAX_ID = 2**63 - 1


def existing_id(value: int, what: str) -> int:
    """The id, or a 404 when it cannot possibly name a row."""
    if not 1 <= value <= MAX_ID:
        raise HTTPException(status_code=404, detail=f"No such {what}.")
    return value
