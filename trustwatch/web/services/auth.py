"""Signing in and out: rate limit, lockout and server-side sessions.

Two limits work together. A user is locked for `web_lockout_minutes` after
`web_lockout_failures` wrong passwords in a row (the owner is told by the same message
as everyone else, so the page never confirms that an email exists). An address that
fails `web_client_failures_per_window` times in that window is refused outright, which
stops one client from spraying many emails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from trustwatch.db.models import LoginAttempt, WebSession, WebUser, utcnow
from trustwatch.settings import Settings
from trustwatch.web.security import (
    hash_password,
    needs_rehash,
    new_token,
    token_digest,
    verify_password,
)
from trustwatch.web.services import audit

# Attempts are kept one day: long enough for the limits, short enough to hold little.
ATTEMPT_RETENTION = dt.timedelta(days=1)


class Outcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class SignIn:
    outcome: Outcome
    user: WebUser | None = None
    token: str | None = None


def _client_failures(session: Session, client: str, since: dt.datetime) -> int:
    return session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.client == client,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at >= since,
        )
    )


def sign_in(
    session: Session, *, email: str, password: str, client: str, settings: Settings
) -> SignIn:
    """Check the password and, if it matches an active unlocked user, open a session."""
    now = utcnow()
    window = dt.timedelta(minutes=settings.web_lockout_minutes)
    email = email.strip().lower()[:320]
    client = client[:64]
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - ATTEMPT_RETENTION))
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    if _client_failures(session, client, now - window) >= settings.web_client_failures_per_window:
        audit.record(
            session,
            actor=email or "anonymous",
            action="auth.rate_limited",
            target_type="client",
            target_id=client,
        )
        return SignIn(Outcome.RATE_LIMITED)

    user = session.scalar(select(WebUser).where(WebUser.email == email))
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or locked or not password_ok or not user.is_active:
        session.add(LoginAttempt(email=email, client=client, succeeded=False, at=now))
        if user is not None and not locked and not password_ok:
            _count_failure(session, user, now, settings)
        return SignIn(Outcome.REFUSED)

    session.add(LoginAttempt(email=email, client=client, succeeded=True, at=now))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    token = open_session(session, user=user, settings=settings, now=now)
    audit.record(
        session,
        actor=user.email,
        action="auth.login",
        target_type="web_user",
        target_id=user.user_id,
    )
    return SignIn(Outcome.OK, user=user, token=token)


def _count_failure(session: Session, user: WebUser, now: dt.datetime, settings: Settings) -> None:
    user.failed_logins = (user.failed_logins or 0) + 1
    audit.record(
        session,
        actor=user.email,
        action="auth.failed",
        target_type="web_user",
        target_id=user.user_id,
        detail={"failed_logins": user.failed_logins},
    )
    if user.failed_logins >= settings.web_lockout_failures:
        user.locked_until = now + dt.timedelta(minutes=settings.web_lockout_minutes)
        user.failed_logins = 0
        audit.record(
            session,
            actor=user.email,
            action="auth.lockout",
            target_type="web_user",
            target_id=user.user_id,
            detail={"locked_until": user.locked_until.isoformat()},
        )


def open_session(
    session: Session, *, user: WebUser, settings: Settings, now: dt.datetime | None = None
) -> str:
    """A fresh token at every sign-in, so a token planted before sign-in is worthless."""
    now = now or utcnow()
    token = new_token()
    session.add(
        WebSession(
            token_hash=token_digest(token),
            user_id=user.user_id,
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=settings.web_session_max_hours),
        )
    )
    return token


def resolve_session(session: Session, *, token: str, settings: Settings) -> WebSession | None:
    """The live session behind a cookie, or None if unknown, idle too long or expired."""
    row = session.get(WebSession, token_digest(token))
    if row is None:
        return None
    now = utcnow()
    idle = dt.timedelta(minutes=settings.web_session_idle_minutes)
    if row.expires_at <= now or row.last_seen_at + idle <= now or not row.user.is_active:
        session.delete(row)
        return None
    # Touch at most once a minute: every page view need not be a write.
    if now - row.last_seen_at > dt.timedelta(minutes=1):
        row.last_seen_at = now
    return row


def sign_out(session: Session, *, web_session: WebSession) -> None:
    audit.record(
        session,
        actor=web_session.user.email,
        action="auth.logout",
        target_type="web_user",
        target_id=web_session.user_id,
    )
    session.delete(web_session)
