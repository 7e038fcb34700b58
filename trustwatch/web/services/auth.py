"""Signing in and out: throttling with backoff, a per-address limit, server-side sessions.

Nobody is ever locked out by someone else. Wrong passwords are counted per email *and*
address: after `web_throttle_free_failures` of them, that pair waits
`web_throttle_base_seconds`, doubling with each further failure up to
`web_throttle_max_minutes`. A guesser on another network slows only themselves; the
lead at their own desk signs in as usual. An address that fails
`web_client_failures_per_window` times in `web_client_window_minutes`, whatever the
emails, is refused outright, which stops one client spraying many emails. Both hold for
unknown emails too, so the answers never reveal which emails exist. The address is the
one `trustwatch.web.proxies` settled on, never a raw `X-Forwarded-For`.
"""

from __future__ import annotations

import datetime as dt
import math
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
    THROTTLED = "throttled"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class SignIn:
    outcome: Outcome
    user: WebUser | None = None
    token: str | None = None
    retry_after_seconds: int = 0


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


def backoff(failures: int, settings: Settings) -> dt.timedelta:
    """The wait after `failures` wrong passwords in a row from one address for one email."""
    over = failures - settings.web_throttle_free_failures
    if over < 0:
        return dt.timedelta(0)
    cap = settings.web_throttle_max_minutes * 60
    seconds = settings.web_throttle_base_seconds * 2 ** min(over, 30)
    return dt.timedelta(seconds=min(seconds, cap))


def pair_wait(
    session: Session, *, email: str, client: str, now: dt.datetime, settings: Settings
) -> dt.timedelta:
    """How long this email and address must still wait (zero: go ahead).

    Failures count since the pair's last success, within the retention day.
    """
    pair = (LoginAttempt.email == email) & (LoginAttempt.client == client)
    last_ok = session.scalar(select(func.max(LoginAttempt.at)).where(pair, LoginAttempt.succeeded))
    since = max(last_ok or now - ATTEMPT_RETENTION, now - ATTEMPT_RETENTION)
    failures, last_failure = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            pair, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since
        )
    ).one()
    if not failures or last_failure is None:
        return dt.timedelta(0)
    if last_failure.tzinfo is None:  # func.max skips the column type on SQLite
        last_failure = dt.datetime.fromisoformat(str(last_failure)).replace(tzinfo=dt.UTC)
    return max(dt.timedelta(0), last_failure + backoff(failures, settings) - now)


def sign_in(
    session: Session, *, email: str, password: str, client: str, settings: Settings
) -> SignIn:
    """Check the password and, if it matches an active user, open a session."""
    now = utcnow()
    window = dt.timedelta(minutes=settings.web_client_window_minutes)
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
    wait = pair_wait(session, email=email, client=client, now=now, settings=settings)
    if wait > dt.timedelta(0):
        # No password check and no new failure row: waiting out the backoff is enough.
        audit.record(
            session,
            actor=email or "anonymous",
            action="auth.throttled",
            target_type="client",
            target_id=client,
            detail={"retry_after_seconds": math.ceil(wait.total_seconds())},
        )
        return SignIn(Outcome.THROTTLED, retry_after_seconds=math.ceil(wait.total_seconds()))

    user = session.scalar(select(WebUser).where(WebUser.email == email))
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        session.add(LoginAttempt(email=email, client=client, succeeded=False, at=now))
        if user is not None and not password_ok:
            _count_failure(session, user, client)
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


def _count_failure(session: Session, user: WebUser, client: str) -> None:
    """Kept for the admin page; it never locks the account (`locked_until` stays unset)."""
    user.failed_logins = (user.failed_logins or 0) + 1
    audit.record(
        session,
        actor=user.email,
        action="auth.failed",
        target_type="web_user",
        target_id=user.user_id,
        detail={"failed_logins": user.failed_logins, "client": client},
    )


def clear_throttle(session: Session, *, email: str) -> None:
    """An administrator lifts the backoff for every address (e.g. after a reset)."""
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(False))
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
