"""Staff accounts for the app: create, change role or school, reset password, unlock.

Used by the admin pages and by `trustwatch users add`; both go through the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from trustwatch.db.models import School, WebSession, WebUser, utcnow
from trustwatch.errors import UserError
from trustwatch.web.roles import Role
from trustwatch.web.security import hash_password, password_problem
from trustwatch.web.services import audit


@dataclass(frozen=True)
class UserChange:
    """What an admin may change about a user; None leaves a field as it is."""

    role: Role | None = None
    school_key: str | None = None
    display_name: str | None = None
    is_active: bool | None = None


def normalise_email(email: str) -> str:
    """Lower-cased and syntax-checked; no DNS look-up, the app may run offline."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise UserError(f"'{email}' is not a valid email address ({exc}).") from None


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise UserError(f"unknown role '{value}'; use one of {names}.") from None


def school_id_for(session: Session, role: Role, school_key: str | None) -> int | None:
    """The school a user is scoped to; admins are never scoped, others may be trust-wide."""
    if not school_key:
        return None
    if role is Role.ADMIN:
        raise UserError("an administrator is not tied to a school; leave the school empty.")
    if role is Role.ACCOUNT_ADMIN:
        raise UserError(
            "an account administrator's scope comes from the registry (the accounts that "
            "name their email); leave the school empty."
        )
    school_id = session.scalar(
        select(School.school_id).where(School.school_key == school_key, School.is_active)
    )
    if school_id is None:
        known = ", ".join(session.scalars(select(School.school_key).order_by(School.school_key)))
        raise UserError(f"no active school with key '{school_key}'; known schools: {known}.")
    return school_id


def create_user(
    session: Session,
    *,
    email: str,
    role: Role,
    password: str,
    actor: str,
    school_key: str | None = None,
    display_name: str | None = None,
) -> WebUser:
    email = normalise_email(email)
    problem = password_problem(password, email=email)
    if problem:
        raise UserError(f"the password is too weak: {problem}.")
    if session.scalar(select(WebUser.user_id).where(WebUser.email == email)) is not None:
        raise UserError(f"a user with email {email} already exists.")
    now = utcnow()
    user = WebUser(
        email=email,
        display_name=(display_name or "").strip() or email.split("@")[0],
        role=role.value,
        school_id=school_id_for(session, role, school_key),
        password_hash=hash_password(password),
        is_active=True,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        target_type="web_user",
        target_id=user.user_id,
        detail={"email": email, "role": role.value, "school": school_key},
    )
    return user


def update_user(session: Session, *, user: WebUser, change: UserChange, actor: str) -> WebUser:
    """Apply an admin's change; a changed role, school or deactivation ends open sessions."""
    before = {"role": user.role, "school_id": user.school_id, "is_active": user.is_active}
    role = change.role or Role(user.role)
    if change.role is not None or change.school_key is not None:
        user.role = role.value
        user.school_id = school_id_for(session, role, change.school_key or None)
    if change.display_name is not None and change.display_name.strip():
        user.display_name = change.display_name.strip()
    if change.is_active is not None:
        user.is_active = change.is_active
    if before["role"] == Role.ADMIN and (user.role != Role.ADMIN or not user.is_active):
        _keep_one_admin(session, user)
    after = {"role": user.role, "school_id": user.school_id, "is_active": user.is_active}
    user.updated_at = utcnow()
    if after != before:
        end_sessions(session, user)
    audit.record(
        session,
        actor=actor,
        action="user.update",
        target_type="web_user",
        target_id=user.user_id,
        detail={"before": before, "after": after},
    )
    return user


def _keep_one_admin(session: Session, user: WebUser) -> None:
    """Refuse to demote or deactivate the last active administrator: nobody could undo it."""
    others = session.scalar(
        select(func.count())
        .select_from(WebUser)
        .where(
            WebUser.role == Role.ADMIN.value,
            WebUser.is_active,
            WebUser.user_id != user.user_id,
        )
    )
    if not others:
        raise UserError("this is the last active administrator; add another one first.")


def set_password(session: Session, *, user: WebUser, password: str, actor: str) -> None:
    problem = password_problem(password, email=user.email)
    if problem:
        raise UserError(f"the password is too weak: {problem}.")
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.updated_at = utcnow()
    end_sessions(session, user)
    audit.record(
        session, actor=actor, action="user.password", target_type="web_user", target_id=user.user_id
    )


def unlock(session: Session, *, user: WebUser, actor: str) -> None:
    """Lift the sign-in backoff on this email from every address."""
    from trustwatch.web.services.auth import clear_throttle

    clear_throttle(session, email=user.email)
    user.failed_logins = 0
    user.locked_until = None
    user.updated_at = utcnow()
    audit.record(
        session, actor=actor, action="user.unlock", target_type="web_user", target_id=user.user_id
    )


def end_sessions(session: Session, user: WebUser) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user.user_id))


def list_users(session: Session) -> list[WebUser]:
    return list(session.scalars(select(WebUser).order_by(WebUser.role, WebUser.email)))


def get_user(session: Session, user_id: int) -> WebUser | None:
    return session.get(WebUser, user_id)


def lead_emails(session: Session, school_id: int | None) -> list[str]:
    """Leads who may work an alert of this school: its own leads and the trust-wide ones."""
    stmt = select(WebUser.email).where(WebUser.role == Role.LEAD.value, WebUser.is_active)
    scope = WebUser.school_id.is_(None)
    if school_id is not None:
        scope = scope | (WebUser.school_id == school_id)
    return list(session.scalars(stmt.where(scope).order_by(WebUser.email)))
